import { strict as assert } from 'assert';
import { expandEnv } from '../../src/lib/env';

function lookupFrom(vars: Record<string, string | undefined>): (name: string) => string | undefined {
  return (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined);
}

describe('env', () => {
  describe('expandEnv', () => {
    it('text without references is returned unchanged', () => {
      assert.equal(expandEnv('./data/mvData.csv', lookupFrom({})), './data/mvData.csv');
      assert.equal(expandEnv('', lookupFrom({})), '');
    });

    it('substitutes a reference inside a longer text', () => {
      assert.equal(expandEnv('${DATA_DIR}/mvData.csv', lookupFrom({ DATA_DIR: '/var/data' })), '/var/data/mvData.csv');
    });

    it('substitutes several variables, and the same one twice', () => {
      const lookup = lookupFrom({ A: 'x', B_2: 'y', _c: 'z' });
      assert.equal(expandEnv('${A}-${B_2}/${_c}.${A}', lookup), 'x-y/z.x');
    });

    it('does not expand values again', () => {
      assert.equal(expandEnv('${A}', lookupFrom({ A: '${B}', B: 'no' })), '${B}');
    });

    it('leaves $NAME, ${} and invalid names alone', () => {
      const lookup = lookupFrom({ A: 'x' });
      assert.equal(expandEnv('$A ${} ${1A} ${A-B} $${A}', lookup), '$A ${} ${1A} ${A-B} $x');
    });

    it('a missing variable throws naming it', () => {
      assert.throws(() => expandEnv('${DATA_DIR}/x.csv', lookupFrom({})), /DATA_DIR/);
      assert.throws(
        () => expandEnv('${A}/${MISSING_ONE}', lookupFrom({ A: 'x' })),
        (err: unknown) => err instanceof Error && /MISSING_ONE/.test(err.message) && !/\bA\b/.test(err.message),
      );
    });

    it('an empty variable counts as not set', () => {
      assert.throws(() => expandEnv('${EMPTY}', lookupFrom({ EMPTY: '' })), /EMPTY is not set/);
    });

    it('asks the lookup only for referenced names', () => {
      const asked: string[] = [];
      expandEnv('a${X}b${Y}', (name) => {
        asked.push(name);
        return 'v';
      });
      assert.deepEqual(asked, ['X', 'Y']);
    });
  });
});
