#!/usr/bin/env bash
# Builds a file:// Go module proxy (GOPROXY layout) from Debian's golang-*-dev packages, for machines without a module mirror.
#
# Usage: scripts/offline-go-proxy.sh DIR [DEBIAN_PACKAGE...]
#   DIR             where the proxy is written (created; files in it are replaced)
#   DEBIAN_PACKAGE  golang-*-dev packages to publish, with the golang packages they depend on
#                   (default: golang-github-pkg-errors-dev golang-github-gin-gonic-gin-dev, what the
#                   golang job type's sample and benchmark need); each must be installed
# Then build with: GOPROXY=file://DIR GOSUMDB=off GOFLAGS=-mod=mod
#
# Each module is published at the version Debian packaged and also at every version that another packaged
# go.mod requires, all from Debian's one copy of the source: Debian built those modules against each other
# that way, so what Debian compiles, this proxy serves. Module paths that a go.mod requires but no package
# ships get a go.mod only (enough for version selection; importing them fails, naming the module).
# Zips are deterministic, so running this again never changes a checksum that a go.sum recorded.
set -euo pipefail

if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
out=$1
shift
needed=("$@")
[ ${#needed[@]} -gt 0 ] || needed=(golang-github-pkg-errors-dev golang-github-gin-gonic-gin-dev)

fail() { echo "offline-go-proxy: $*" >&2; exit 1; }
for tool in go python3 dpkg-query; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (apt-get install golang-go python3)"
done
missing=()
for pkg in "${needed[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] || fail "Debian package(s) not installed: ${missing[*]} (apt-get install ${missing[*]})"

src=/usr/share/gocode/src
[ -d "$src" ] || fail "$src does not exist: no golang-*-dev package is installed"
mkdir -p "$out"
out=$(cd "$out" && pwd)

python3 - "$src" "$out" "${needed[@]}" <<'PY'
import json, os, re, subprocess, sys, zipfile

SRC, OUT, NAMED = sys.argv[1], sys.argv[2], sys.argv[3:]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
SKIP_DIRS = {'.git', '.hg', '.svn', 'vendor'}
FORGES = {'github.com', 'gitlab.com', 'bitbucket.org'}


def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def escape(path):
    """Module path or version as the proxy protocol spells it on disk: upper-case letters become !lower."""
    return re.sub(r'[A-Z]', lambda m: '!' + m.group(0).lower(), path)


def major_of(module):
    m = re.search(r'(?:/v|\.v)(\d+)$', module)
    return int(m.group(1)) if m else None


def semver(debian_version, module, has_go_mod):
    """Debian's version (1:0.7.0+dfsg-1, 0.0~git20210101.abc1234-2) as a Go module version."""
    v = debian_version.split(':', 1)[-1]
    v = re.sub(r'-[^-]*$', '', v)                      # Debian revision
    v = re.sub(r'\+(dfsg|ds|repack|really)[^+~]*', '', v)
    git = re.match(r'^(\d+)\.(\d+)\.(\d+)~git(\d{8})\.([0-9a-f]+)$', v)
    major = major_of(module)
    if git:
        base_major = major if major and major >= 2 else int(git.group(1))
        return 'v%d.0.0-%s000000-%s' % (base_major, git.group(4), git.group(5)[:12].ljust(12, '0'))
    v = v.replace('~', '-')
    if not re.match(r'^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$', v):
        v = re.sub(r'^(\d+\.\d+)$', r'\1.0', v)
    v = 'v' + v
    if not has_go_mod and int(v[1:].split('.')[0]) >= 2 and not major:
        v += '+incompatible'
    return v


def mod_json(go_mod):
    return json.loads(run('go', 'mod', 'edit', '-json', go_mod))


def with_dependencies(names):
    """The named packages and, transitively, the installed packages they depend on that ship Go sources."""
    shipping = {p.strip() for p in run('dpkg-query', '-S', SRC).rsplit(':', 1)[0].split(',')}
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        depends = run('dpkg-query', '-W', '-f=${Depends}', name)
        for alternative in filter(None, (d.strip() for d in re.split(r'[,|]', depends))):
            dep = re.split(r'[\s(:]', alternative, maxsplit=1)[0]
            if dep in shipping:
                todo.append(dep)
    return sorted(seen & shipping)


packages = with_dependencies(NAMED)
modules = {}    # module path -> {'dir', 'go_mod' (file or None), 'versions': set}
required = []   # (module path, version) pairs found in packaged go.mod files
without_go_mod = []  # (Debian version, common folder of its .go files) of packages that ship no go.mod
for pkg in packages:
    version = run('dpkg-query', '-W', '-f=${Version}', pkg)
    files = [f for f in run('dpkg-query', '-L', pkg).splitlines() if f.startswith(SRC + '/') and os.path.isfile(f)]
    go_mods = [f for f in files if os.path.basename(f) == 'go.mod']
    for go_mod in go_mods:
        info = mod_json(go_mod)
        path = info['Module']['Path']
        modules.setdefault(path, {'dir': os.path.dirname(go_mod), 'go_mod': go_mod, 'versions': set()})
        modules[path]['versions'].add(semver(version, path, True))
        required += [(r['Path'], r['Version']) for r in info.get('Require') or []]
    go_dirs = [os.path.relpath(os.path.dirname(f), SRC) for f in files if f.endswith('.go')]
    if go_dirs and not go_mods:
        without_go_mod.append((version, os.path.commonpath(go_dirs)))

# a package without go.mod is a module rooted where a go.mod requires it, else at its repository's root
# (host/owner/repo on the big forges, where Debian often ships only a subfolder), else at its common folder
required_paths = {path for path, _ in required}
for version, common in without_go_mod:
    parts = common.split('/')
    candidates = [p for p in required_paths if common == p or common.startswith(p + '/')]
    if candidates:
        path = max(candidates, key=len)
    elif parts[0] in FORGES and len(parts) > 3:
        path = '/'.join(parts[:3])
    else:
        path = common
    modules.setdefault(path, {'dir': os.path.join(SRC, path), 'go_mod': None, 'versions': set()})
    modules[path]['versions'].add(semver(version, path, False))

stubs = {}  # module path -> versions, for modules no package ships
for path, version in required:
    if path in modules:
        modules[path]['versions'].add(version)
    elif os.path.isdir(os.path.join(SRC, path)):  # a nested module whose go.mod Debian dropped
        modules.setdefault(path, {'dir': os.path.join(SRC, path), 'go_mod': None, 'versions': set()})['versions'].add(version)
    else:
        stubs.setdefault(path, set()).add(version)

module_dirs = {m['dir'] for m in modules.values()}


def module_files(root):
    """Files of the module at root, without nested modules, VCS folders, vendor trees and symlinks."""
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and os.path.join(directory, d) not in module_dirs
                            and not os.path.isfile(os.path.join(directory, d, 'go.mod')))
        for name in sorted(files):
            full = os.path.join(directory, name)
            if os.path.isfile(full) and not os.path.islink(full):
                yield full, os.path.relpath(full, root)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def publish(path, versions, go_mod_text, directory):
    base = os.path.join(OUT, escape(path), '@v')
    contents = []
    if directory is not None:
        for full, rel in module_files(directory):
            with open(full, 'rb') as f:
                contents.append((rel, f.read()))
    for version in sorted(versions):
        stem = os.path.join(base, escape(version))
        write(stem + '.info', json.dumps({'Version': version, 'Time': '1980-01-01T00:00:00Z'}).encode())
        write(stem + '.mod', go_mod_text.encode())
        if directory is None:
            continue
        tmp = stem + '.zip.tmp'
        with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for rel, data in contents:
                info = zipfile.ZipInfo('%s@%s/%s' % (path, version, rel), ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
        os.replace(tmp, stem + '.zip')
    write(os.path.join(base, 'list'), ''.join(v + '\n' for v in sorted(versions)).encode())


for path, m in sorted(modules.items()):
    text = open(m['go_mod']).read() if m['go_mod'] else 'module %s\n' % path
    publish(path, m['versions'], text, m['dir'])
    print('%-55s %s' % (path, ' '.join(sorted(m['versions']))))
for path, versions in sorted(stubs.items()):
    publish(path, versions, 'module %s\n' % path, None)
    print('%-55s %s (go.mod only: no Debian package)' % (path, ' '.join(sorted(versions))))
PY

echo "offline-go-proxy: done. Build with GOPROXY=file://$out GOSUMDB=off GOFLAGS=-mod=mod"
