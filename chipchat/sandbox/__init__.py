"""Running what nobody reviewed: confinement of untrusted simulations, builds and elaboration."""
