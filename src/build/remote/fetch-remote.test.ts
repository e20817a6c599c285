// git is pinned to the checked addresses: a name that resolves nowhere (as a rebound name would resolve elsewhere)
// still leads git to the address given, and only there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { commitAll, git, run, tempDir, writeFile } from '../../../test/harness.js';
import { startGitHttpRemote, type GitHttpRemote } from '../../../test/git-http-remote.js';
import { fetchRemote } from './fetch-remote.js';
import { checkRemoteUrl } from './remote-url.js';

let remote: GitHttpRemote;
before(async () => {
  const root = tempDir('rt-pin-root-');
  const source = tempDir('rt-pin-src-');
  writeFile(source, 'README.md', 'pinned\n');
  await git(source, 'init', '-q', '-b', 'main');
  await commitAll(source, 'one');
  assert.equal((await run('git', ['clone', '-q', '--bare', source, join(root, 'repo.git')])).code, 0);
  remote = await startGitHttpRemote({ root });
});
after(() => remote.close());

const fetchVia = (host: string, addresses: string[]) => fetchRemote({
  cacheRepo: join(tempDir('rt-pin-cache-'), 'repo.git'),
  remote: checkRemoteUrl(`http://${host}:${new URL(remote.url).port}/public/repo.git`),
  addresses,
  branch: 'main',
  timeoutMs: 30_000,
  maxBytes: 10 * 1024 * 1024,
});

test('git connects to the checked address, whatever the name would resolve to now', async () => {
  const fetched = await fetchVia('racetrack-pinned.invalid', ['127.0.0.1']);
  assert.match(fetched.commit, /^[0-9a-f]{40}$/);
  assert.ok(remote.requests.some((r) => r.path === '/public/repo.git/info/refs'), 'the request reached the pinned address');
});

test('an address the name was not checked at is never dialled: a pin to a closed port fails, though the name is fine', async () => {
  await assert.rejects(fetchVia('localhost', ['127.0.0.2']), /^BadRequestError: git\.remote: fetching http:\/\/localhost:\d+\/public\/repo\.git \(branch main\) failed/);
});
