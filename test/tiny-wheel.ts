// A pure-Python wheel made on the spot (no package index is reachable here): `tinylib.shout(s)` → "S!".
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import base64, io, sys, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, 'w') as z:
    z.writestr('tinylib/__init__.py', 'def shout(s):\\n    return s.upper() + "!"\\n')
    z.writestr('tinylib-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: tinylib\\nVersion: 1.0\\n')
    z.writestr('tinylib-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nGenerator: racetrack-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')
    z.writestr('tinylib-1.0.dist-info/RECORD', '')
sys.stdout.write(base64.b64encode(buf.getvalue()).decode())
`;

export const TINY_WHEEL_NAME = 'tinylib-1.0-py3-none-any.whl';

export function tinyWheel(): Buffer {
  return Buffer.from(spawnSync('python3', ['-c', SCRIPT]).stdout.toString(), 'base64');
}

/** job files of a python3 job that installs the wheel from ./wheels and shouts its input */
export function shoutyJob(name: string, extraYaml = ''): Record<string, string> {
  return {
    'job.yaml': `name: ${name}\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: shouty.py\n  requirements_path: requirements.txt\n${extraYaml}`,
    'requirements.txt': `./wheels/${TINY_WHEEL_NAME}\n`,
    'shouty.py': 'import tinylib\nclass Shouty:\n    def perform(self, text: str):\n        return tinylib.shout(text)\n',
  };
}
