// Hands a job folder to the uid its sandbox runs as. Symlinks are changed themselves, never followed: the folder's
// content was written by the job, and root must not be steered by it. Called when a lease starts, before anything
// of that uid can see the folder (a fresh export, or a folder whose earlier sandboxes have all ended).
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Changes the owner of dir and everything below it, unless dir already belongs to uid: dir is changed last, so its
 * owner says the whole tree was done. */
export function chownTree(dir: string, uid: number, gid: number): void {
  if (lstatSync(dir).uid === uid) return;
  walk(dir, uid, gid);
}

function walk(dir: string, uid: number, gid: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, uid, gid);
    else lchownSync(path, uid, gid);
  }
  lchownSync(dir, uid, gid);
}
