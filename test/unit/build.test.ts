/**
 * scripts/build.js --if-changed (npm start, npm run demo): the build is skipped while dist/ is newer
 * than every source, and runs again once one changed.
 */
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const build = require(path.join(root, 'scripts', 'build.js')) as { isUpToDate(): boolean };
const stamp = path.join(root, 'dist', '.build-stamp');

describe('scripts/build.js --if-changed', function () {
  it('skips the build when dist/ is newer than the sources (npm test built it just now)', function () {
    assert.equal(build.isUpToDate(), true);
    const out = execFileSync(process.execPath, [path.join(root, 'scripts', 'build.js'), '--if-changed'], { encoding: 'utf8' });
    assert.equal(out.trim(), 'build: dist/ is up to date');
  });

  it('builds when a source is newer than the last build', function () {
    const { atime, mtime } = fs.statSync(stamp);
    const source = path.join(root, 'src', 'lib', 'tz.ts');
    const before = fs.statSync(source).mtime;
    try {
      fs.utimesSync(stamp, atime, new Date(before.getTime() - 1000));
      assert.equal(build.isUpToDate(), false);
    } finally {
      fs.utimesSync(stamp, atime, mtime);
    }
    assert.equal(build.isUpToDate(), true);
  });

  it('builds when dist/ was never built', function () {
    const moved = `${stamp}.moved`;
    fs.renameSync(stamp, moved);
    try {
      assert.equal(build.isUpToDate(), false);
    } finally {
      fs.renameSync(moved, stamp);
    }
  });
});
