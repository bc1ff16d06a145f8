import { strict as assert } from 'assert';
import { defaultNotice, expandEnv } from '../../src/lib/env';

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

    it('a missing variable without a default throws naming it', () => {
      assert.throws(() => expandEnv('${OUR_FOLDER}/x.csv', lookupFrom({})), /environment variable OUR_FOLDER is not set/);
      assert.throws(
        () => expandEnv('${A}/${MISSING_ONE}', lookupFrom({ A: 'x' })),
        (err: unknown) => err instanceof Error && /MISSING_ONE/.test(err.message) && !/\bA\b/.test(err.message),
      );
    });

    it('an empty variable counts as not set', () => {
      assert.throws(() => expandEnv('${EMPTY}', lookupFrom({ EMPTY: '' })), /EMPTY is not set/);
    });

    it('a missing or empty variable of the supplied application takes its SPEC default, and says which', () => {
      const said: string[] = [];
      const onDefault = (name: string) => said.push(name);
      assert.equal(expandEnv('${DATA_DIR}/mvData.csv', lookupFrom({}), onDefault), 'data/mvData.csv');
      assert.equal(expandEnv('${CAMERA_APS}', lookupFrom({ CAMERA_APS: '' }), onDefault), '');
      assert.equal(expandEnv('${MERAKI_API_BASE}', lookupFrom({}), onDefault), 'https://api.meraki.com/api/v1');
      for (const name of ['MERAKI_API_KEY', 'CMX_VALIDATOR', 'CMX_SECRET']) assert.equal(expandEnv(`\${${name}}`, lookupFrom({}), onDefault), '');
      assert.deepEqual(said, ['DATA_DIR', 'CAMERA_APS', 'MERAKI_API_BASE', 'MERAKI_API_KEY', 'CMX_VALIDATOR', 'CMX_SECRET']);
      assert.equal(expandEnv('${DATA_DIR}/x.csv', lookupFrom({ DATA_DIR: '/srv' }), () => assert.fail('set')), '/srv/x.csv');
    });

    it('says what a default means', () => {
      assert.equal(defaultNotice('DATA_DIR'), `environment variable DATA_DIR is not set: using "data" (a folder in Node-RED's user directory)`);
      assert.equal(defaultNotice('CAMERA_APS'), 'environment variable CAMERA_APS is not set: using none (every access point counts for every camera)');
    });

    it('takes non-text values of the environment as text (a flow variable can be a number)', () => {
      assert.equal(expandEnv('${PORT_N}', () => 1883), '1883');
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
