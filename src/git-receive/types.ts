// What a push looks like to the rest of the server, and who handles its hooks.
import type { Subject } from '../auth/index.js';
import type { Reporter } from '../core/reporter.js';

export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

export interface Push {
  id: string;
  jobName: string;
  repoPath: string;
  pusher: Subject;
  refs: RefUpdate[];
  /** `git push -o …` values, as given */
  options: string[];
  /** GIT_OBJECT_DIRECTORY & co. of the hook: the pushed objects live in a quarantine until pre-receive accepts them */
  gitEnv: Record<string, string>;
}

/** The deploy trigger: pre-receive validates, builds, deploys and waits (throw to reject); post-receive promotes. */
export interface PushHandler {
  preReceive(push: Push, reporter: Reporter): Promise<void>;
  postReceive(push: Push, reporter: Reporter): Promise<void>;
}
