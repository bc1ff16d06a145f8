import { strict as assert } from 'assert';
import { checkBasicAuth, isUnder } from '../../src/lib/basic-auth';

const b = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

describe('basic-auth', function () {
  it('accepts exactly the user and password', function () {
    assert.equal(checkBasicAuth(b('viewer:pa:ss'), 'viewer', 'pa:ss'), true);
    assert.equal(checkBasicAuth(b('viewer:pa:ss').replace('Basic', 'basic'), 'viewer', 'pa:ss'), true);
  });

  it('refuses everything else without throwing', function () {
    for (const h of [undefined, null, 42, '', 'Bearer x', b('viewer:wrong'), b('Viewer:pa:ss'), b('viewer'), b(':'), 'Basic %%%', 'Basic ' + 'A'.repeat(5000), b('viewer:pa:ss ')]) {
      assert.equal(checkBasicAuth(h, 'viewer', 'pa:ss'), false, String(h).slice(0, 40));
    }
  });

  it('leaves open exactly the receiver path and what is below it', function () {
    assert.equal(isUnder('/cmx', ['/cmx']), true);
    assert.equal(isUnder('/cmx/', ['/cmx']), true);
    assert.equal(isUnder('/cmx/x', ['/cmx']), true);
    assert.equal(isUnder('/cmxdata', ['/cmx']), false);
    assert.equal(isUnder('/ui/', ['/cmx']), false);
    assert.equal(isUnder('/analytics/summary', ['/cmx']), false);
  });
});
