"""The conversation layer: tools, model providers, the offline planner and the agent loop."""
