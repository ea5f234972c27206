# Takes the repository lock through libostree's own code (its GObject bindings: Debian python3-gi
# and gir1.2-ostree-1.0), for the lock tests in test/repo-lock.test.ts.
#   ostree-lock.py REPO shared|exclusive hold  prints "locked", holds until stdin closes, prints "released"
#   ostree-lock.py REPO shared|exclusive try   waits as the repo's lock-timeout-secs says; prints
#                                               "locked" (exit 0) or "busy: MESSAGE" (exit 3)
import sys

import gi

gi.require_version('OSTree', '1.0')
from gi.repository import Gio, GLib, OSTree  # noqa: E402

path, kind, action = sys.argv[1:4]
repo = OSTree.Repo.new(Gio.File.new_for_path(path))
repo.open(None)
lock_type = OSTree.RepoLockType.EXCLUSIVE if kind == 'exclusive' else OSTree.RepoLockType.SHARED
try:
    repo.lock_push(lock_type, None)
except GLib.Error as e:
    print('busy: ' + e.message, flush=True)
    sys.exit(3)
print('locked', flush=True)
if action == 'hold':
    sys.stdin.read()
repo.lock_pop(lock_type, None)
print('released', flush=True)
