"""Open a design (folder, bundled example name or Design) and load its model, cached by content.

:func:`load_design` is the one way an argument becomes a :class:`~chipchat.design.Design`:
the CLI, the agent, the UI and every capability call it. :func:`load_model` parses the
design once and keeps the model in ``.chipchat/model.json`` keyed by the content of its sources.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import orjson

from chipchat.design import Clock, Design, read_design
from chipchat.discover import tests_for_top
from chipchat.hashing import digest
from chipchat.resources import resolve_design_path
from chipchat.rtl.build import parse_design
from chipchat.rtl.frontend import infer_top
from chipchat.rtl.model import DesignModel
from chipchat.steps.amaranth_elab import hdl_sources

MODEL_VERSION = 10


DesignArg = Design | str | Path  # what a design argument may be: a folder, a bundled example name, a Design


def load_design(design: DesignArg) -> Design:
    """A design folder, a ``chipchat.toml``, a bundled example's name (``mac16``) or a Design, ready to use:
    its config (or what chipchat infers from the files) with the top module inferred when not configured."""
    if isinstance(design, Design):
        return design if design.top is not None else _choose_tests(infer_top(design))
    return _choose_tests(infer_top(read_design(resolve_design_path(design))))


def _choose_tests(design: Design) -> Design:
    """When several folders hold cocotb tests (one per module, as in verilog-axi), take the top's."""
    t = design.tests
    if t.dir is None and t.candidates:
        hit = tests_for_top({f: list(m) for f, m in t.candidates}, design.top)
        if hit is not None:
            design.tests = dataclasses.replace(t, dir=hit[0], modules=tuple(hit[1]))
            design.inferred.append(f"tests: cocotb modules {', '.join(hit[1])} in {design.relpath(hit[0])}/ "
                                   f"(the folder for `{design.top}`)")
    return design


_MEMO_LOCK = threading.Lock()
_KEYS: dict[Any, str] = {}  # files' identities (path, mtime, size) and settings -> content key
_MODELS: OrderedDict[str, DesignModel] = OrderedDict()  # content key -> model, the few most recent
MEMO_MODELS = 4


def load_model(design: Design, *, use_cache: bool = True) -> DesignModel:
    """The parsed model of ``design``; reparsed only when a source, include or setting changed.

    In one process the model is kept in memory, and the files' content is hashed again only when one of
    them changed (by its mtime and size): a question on a million-line design does not re-read the design.
    The model returned is shared: callers read it, never change it.
    """
    sources = hdl_sources(design)
    headers = [p for d in design.include_dirs if d.is_dir() for p in sorted(d.iterdir()) if p.is_file()]
    settings_key = (MODEL_VERSION, str(design.root), design.top, repr(sorted(design.defines.items())),
                    repr(sorted(design.parameters.items())))
    identity = (settings_key, tuple(_identity(p) for p in [*sources, *headers]))
    with _MEMO_LOCK:
        key = _KEYS.get(identity)
    if key is None:
        key = digest(MODEL_VERSION, design.top, design.defines, design.parameters, [str(p) for p in sources],
                     *sources, *headers)
        with _MEMO_LOCK:
            if len(_KEYS) > 64:
                _KEYS.clear()
            _KEYS[identity] = key
    if use_cache:
        with _MEMO_LOCK:
            hit = _MODELS.get(key)
            if hit is not None:
                _MODELS.move_to_end(key)
                return hit
    model = _load_or_parse(design, key, use_cache)
    if use_cache:
        with _MEMO_LOCK:
            _MODELS[key] = model
            while len(_MODELS) > MEMO_MODELS:
                _MODELS.popitem(last=False)
    return model


def _identity(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
        return str(path), st.st_mtime_ns, st.st_size
    except OSError:
        return str(path), -1, -1


def _load_or_parse(design: Design, key: str, use_cache: bool) -> DesignModel:
    cache = design.state_dir / "model.json"
    head = orjson.dumps({"key": key})[:-1] + b","  # the file starts with its key: a stale one is not read
    if use_cache and cache.exists():
        try:  # orjson: the cache of a 100k-line design is 18 MB, and json took 0.7 s each way
            with open(cache, "rb") as fh:
                fresh = fh.read(len(head)) == head
            if fresh:
                data = orjson.loads(cache.read_bytes())
                if data.get("key") == key:
                    return DesignModel.from_json(data["model"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # a damaged cache is rebuilt below
    model = parse_design(design)
    if use_cache:
        design.ensure_state_dir()
        tmp = cache.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")  # concurrent loads each write their own
        tmp.write_bytes(orjson.dumps({"key": key, "model": model}))  # orjson writes dataclasses as they are
        tmp.replace(cache)
    return model


def with_inferred_clock(design: Design, period_ns: float | None) -> tuple[Design, str]:
    """``design`` with a clock to time against when it declares none (no SDC, no ``[[clocks]]``): the top's
    input that clocks the most registers, at ``period_ns``. Returns (design, a note saying what was inferred);
    the design is returned unchanged when it has constraints or no clock can be found."""
    if design.sdc is not None or design.clocks or period_ns is None:
        return design, ""
    model = load_model(design)
    top = model.modules.get(model.top or design.top or "")
    if top is None:
        return design, ""
    counts = _clocked_registers(model, top.name, {})
    if not counts:
        return design, ""
    clock = max(counts, key=lambda name: (counts[name], name))
    note = (f"clock `{clock}` inferred (the input that clocks the most registers of {top.name}) at "
            f"{period_ns:g} ns; add [[clocks]] (port, period_ns) to chipchat.toml or an SDC to set it")
    return dataclasses.replace(design, clocks=[Clock(clock, period_ns)], inferred=[*design.inferred, note]), note


def _clocked_registers(model: Any, module: str, memo: dict[str, dict[str, int]]) -> dict[str, int]:
    """Input port → how many registers it clocks in ``module`` and below (through instance connections)."""
    if module in memo:
        return memo[module]
    memo[module] = {}
    mod = model.modules.get(module)
    if mod is None:
        return {}
    counts: dict[str, int] = {}
    for block in mod.blocks:
        port = mod.port(block.clock) if block.clock else None
        if port is not None and port.direction == "input":
            counts[port.name] = counts.get(port.name, 0) + len(block.drives)
    for inst in mod.instances:
        if not inst.active:
            continue
        for child_port, n in _clocked_registers(model, inst.module, memo).items():
            for sig in inst.connection_signals.get(child_port, []):
                port = mod.port(sig)
                if port is not None and port.direction == "input":
                    counts[port.name] = counts.get(port.name, 0) + n
    memo[module] = counts
    return counts
