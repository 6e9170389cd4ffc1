"""Untrusted work, kept in its place: patches and sandbox copies of a design, jobs run on them, and the
confinement (bubblewrap, resource limits) of simulations, builds and elaboration nobody reviewed."""
