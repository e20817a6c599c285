"""Imports the job's entrypoint file and instantiates its class."""
from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from typing import Any, Optional

MODULE_NAME = 'racetrack_job'  # the name Racetrack gives the entrypoint module


def load_entrypoint(entrypoint_path: str, class_name: Optional[str]) -> Any:
    path = os.path.abspath(entrypoint_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'entrypoint file not found: {entrypoint_path}')
    # the job root first, so the job's own packages win over the entrypoint folder's modules
    for folder in (os.path.dirname(path), os.getcwd()):
        if folder not in sys.path:
            sys.path.insert(0, folder)

    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    assert spec is not None and spec.loader is not None, f'cannot import {entrypoint_path}'
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module  # needed by get_type_hints and dataclasses inside the module
    spec.loader.exec_module(module)

    if class_name:
        cls = getattr(module, class_name, None)
        if not inspect.isclass(cls):
            raise AttributeError(f'class {class_name} not found in {entrypoint_path}')
    else:
        cls = _first_job_class(module, entrypoint_path)
    if not callable(getattr(cls, 'perform', None)):
        raise AttributeError(f'class {cls.__name__} has no perform() method')
    return cls()


def _first_job_class(module: Any, entrypoint_path: str) -> type:
    # module dict order is definition order; imported classes have another __module__
    own = [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == MODULE_NAME]
    if not own:
        raise AttributeError(f'no class is defined in {entrypoint_path}')
    with_perform = [c for c in own if callable(getattr(c, 'perform', None))]
    return (with_perform or own)[0]
