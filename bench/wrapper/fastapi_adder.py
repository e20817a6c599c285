"""The adder job served the way Racetrack's FastAPI wrapper serves it: the baseline for bench/wrapper.ts."""
import importlib.util
import os
import sys
from typing import Any, Dict

from fastapi import Body, FastAPI

JOB_DIR = os.environ['JOB_DIR']
sys.path.insert(0, JOB_DIR)
spec = importlib.util.spec_from_file_location('racetrack_job', os.path.join(JOB_DIR, 'adder.py'))
module = importlib.util.module_from_spec(spec)
sys.modules['racetrack_job'] = module
spec.loader.exec_module(module)
job = module.AdderModel()

app = FastAPI()


@app.post('/api/v1/perform')
def perform(payload: Dict[str, Any] = Body(default=job.docs_input_example())) -> Any:
    return job.perform(**payload)
