/**
 * A baseline from git: the lib files of an earlier revision written into a temporary folder
 * (`<tmp>/meraki-bench-baseline-<rev>/src/lib`), so that a bench can load the implementation as it
 * was and run it beside today's in the same run. Null when git or the revision is not there (a
 * copy of the package without its history): the bench then skips that side and says so.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export function libFromGit(rev: string, files: readonly string[]): string | null {
  const dir = path.join(os.tmpdir(), `meraki-bench-baseline-${rev}`, 'src', 'lib');
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const text = execFileSync('git', ['show', `${rev}:src/lib/${f}`], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      fs.writeFileSync(path.join(dir, f), text);
    }
    return dir;
  } catch {
    return null;
  }
}
