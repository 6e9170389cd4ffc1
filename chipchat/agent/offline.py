"""The offline planner as a LangChain chat model, so it runs through the same agent loop as an LLM.

On a user message it plans (:func:`chipchat.agent.planner.plan`) and answers with the
first tool call; after each tool result, the next call; after the last, it writes the
answer from the tools' results (the ToolMessages' artifacts: each tool's Answer as
JSON). It streams its prose token by token like any chat model. ``bind_tools`` returns
the model itself: the planner already knows the tool registry.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from chipchat.agent.planner import Call, Plan, compose, plan
from chipchat.agent.tools import as_result
from chipchat.design import Design


def text_of(message: BaseMessage) -> str:
    """A message's text, whether its content is a string or a list of content blocks."""
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)


def previous_calls(messages: Sequence[BaseMessage]) -> list[Call]:
    """The tool calls made in the conversation so far (oldest first)."""
    return [Call(tc["name"], dict(tc.get("args") or {}))
            for m in messages if isinstance(m, AIMessage) for tc in m.tool_calls]


class OfflineChatModel(BaseChatModel):
    """Deterministic, no network, no weights: the planner speaking the chat-model protocol."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    design: Design

    @property
    def _llm_type(self) -> str:
        return "chipchat-offline"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineChatModel:
        return self

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next message: a tool call of the plan, or the answer written from the results."""
        last_user = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        if last_user < 0:
            return AIMessage(content="Ask me about the design: timing, drivers of a signal, tests, placement …")
        question = text_of(messages[last_user])
        after = messages[last_user + 1:]
        earlier = [text_of(m) for m in messages[:last_user] if isinstance(m, HumanMessage)]
        p: Plan = plan(self.design, question, previous_calls(messages[:last_user]), questions=earlier)
        done = sum(len(m.tool_calls) for m in after if isinstance(m, AIMessage))
        if done < len(p.calls):
            call = p.calls[done]
            return AIMessage(content="", tool_calls=[{"name": call.tool, "args": call.args,
                                                      "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}])
        results = [as_result(m) for m in after if isinstance(m, ToolMessage)]
        before = max((i for i, m in enumerate(messages[:last_user]) if isinstance(m, HumanMessage)), default=-1)
        earlier_results = [as_result(m) for m in messages[before + 1:last_user] if isinstance(m, ToolMessage)]
        return AIMessage(content=compose(p, results, earlier_results))

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.respond(messages))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        message = self.respond(messages)
        if message.tool_calls:
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=[
                {"name": tc["name"], "args": json.dumps(tc["args"]), "id": tc["id"], "index": i, "type": "tool_call_chunk"}
                for i, tc in enumerate(message.tool_calls)]))
            return
        for piece in re.findall(r"\S+\s*|\s+", text_of(message)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
