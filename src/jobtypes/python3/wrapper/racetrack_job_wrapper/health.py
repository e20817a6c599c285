"""Liveness and readiness: live while starting, ready once the job class is initialised, failed if that raised."""
from __future__ import annotations

import os
from typing import Any, Dict, Optional, Tuple


class HealthState:
    def __init__(self, job_name: str, job_version: str):
        self.job_name = job_name
        self.job_version = job_version
        self.ready = False
        self.error: Optional[str] = None

    def live(self) -> Tuple[int, Dict[str, Any]]:
        if self.error is not None:
            return 500, {'live': False, 'deployment_timestamp': _deployment_timestamp(), 'error': self.error}
        return 200, {'live': True, 'deployment_timestamp': _deployment_timestamp()}

    def readiness(self) -> Tuple[int, Dict[str, Any]]:
        return (200, {'ready': True}) if self.ready else (503, {'ready': False})

    def health(self) -> Tuple[int, Dict[str, Any]]:
        status, code = ('pass', 200) if self.ready else ('fail', 500) if self.error is not None else ('starting', 503)
        return code, {
            'service': 'job',
            'job_name': self.job_name,
            'job_version': self.job_version,
            'status': status,
            'live': self.error is None,
            'ready': self.ready,
            'error': self.error,
            'deployment_timestamp': _deployment_timestamp(),
            'git_version': os.environ.get('GIT_VERSION'),
            'deployed_by_racetrack_version': os.environ.get('DEPLOYED_BY_RACETRACK_VERSION'),
            'job_type_version': os.environ.get('JOB_TYPE_VERSION'),
        }


def _deployment_timestamp() -> Any:
    value = os.environ.get('JOB_DEPLOYMENT_TIMESTAMP')
    return int(value) if value and value.isdigit() else value
