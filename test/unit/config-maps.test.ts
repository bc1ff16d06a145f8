import { strict as assert } from 'assert';
import { parseCameraAps, parseLabels } from '../../src/lib/config-maps';

const plain = (m: Map<string, Set<string>>): Record<string, string[]> => Object.fromEntries([...m].map(([k, v]) => [k, [...v]]));

describe('config-maps', () => {
  describe('parseCameraAps', () => {
    it('one camera per line, MACs separated by commas, spaces or semicolons, normalised', () => {
      const m = parseCameraAps(
        [
          'Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1, e0:55:3d:10:4a:c7',
          'Q2GV-AAAA-BBBB: E0-55-3D-10-4A-C2 e0553d104ac3;e055.3d10.4ac4',
        ].join('\n'),
      );
      assert.deepEqual(plain(m), {
        'Q2GV-7HJK-2LMN': ['e0:55:3d:10:4a:c1', 'e0:55:3d:10:4a:c7'],
        'Q2GV-AAAA-BBBB': ['e0:55:3d:10:4a:c2', 'e0:55:3d:10:4a:c3', 'e0:55:3d:10:4a:c4'],
      });
    });

    it('serials are upper-cased (matched in any case); = works as a separator too', () => {
      const m = parseCameraAps('q2gv-7hjk-2lmn = e0:55:3d:10:4a:c1');
      assert.deepEqual(plain(m), { 'Q2GV-7HJK-2LMN': ['e0:55:3d:10:4a:c1'] });
    });

    it('the same camera on two lines (in different case) gets the union of its APs', () => {
      const m = parseCameraAps('Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1\nq2gv-7hjk-2lmn: e0:55:3d:10:4a:c7, E0:55:3D:10:4A:C1');
      assert.deepEqual(plain(m), { 'Q2GV-7HJK-2LMN': ['e0:55:3d:10:4a:c1', 'e0:55:3d:10:4a:c7'] });
    });

    it('blank lines, surrounding spaces, comments and CRLF line ends are fine', () => {
      const m = parseCameraAps('\r\n# camera at the door\r\n   \r\n  Q2GV-7HJK-2LMN :  e0:55:3d:10:4a:c1  \r\n#Q2GV-XXXX-XXXX: e0:55:3d:10:4a:ff\r\n');
      assert.deepEqual(plain(m), { 'Q2GV-7HJK-2LMN': ['e0:55:3d:10:4a:c1'] });
    });

    it('empty text, or anything that is not a string, gives an empty map', () => {
      for (const v of ['', '\n\n', '# only a comment', undefined, null, 42, {}]) assert.equal(parseCameraAps(v).size, 0, String(v));
    });

    it('a bad MAC throws, naming the line (counting blank and comment lines) and the item', () => {
      assert.throws(() => parseCameraAps('# c\n\nQ2GV-7HJK-2LMN: e0:55:3d:10:4a:c1, e0:55:zz:10:4a:c7'), (err: Error) => {
        assert.match(err.message, /^line 3: /);
        assert.match(err.message, /"e0:55:zz:10:4a:c7" is not a MAC address/);
        return true;
      });
      assert.throws(() => parseCameraAps('Q2GV-7HJK-2LMN: e0:55:3d:10:4a'), /line 1: "e0:55:3d:10:4a" is not a MAC address/);
    });

    it('a line without a separator, or without a key, throws naming it', () => {
      assert.throws(() => parseCameraAps('Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1\nQ2GV-7HJK-2LMN'), /line 2: expected "key: value", got "Q2GV-7HJK-2LMN"/);
      assert.throws(() => parseCameraAps(': e0:55:3d:10:4a:c1'), /line 1: expected "key: value"/);
      // Without its colon the line splits inside the MAC ("…2LMN e0" / "55:3d:…"): still an error naming line 2.
      assert.throws(() => parseCameraAps('Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1\nQ2GV-7HJK-2LMN e0:55:3d:10:4a:c1'), /^Error: line 2: /);
    });

    it('a camera with nothing after the colon is an error naming the line (it would never correlate)', () => {
      assert.throws(() => parseCameraAps('\nQ2GV-7HJK-2LMN:'), /line 2: no AP MAC after "Q2GV-7HJK-2LMN"/);
    });
  });

  describe('parseLabels', () => {
    it('serial/zone: label → "SERIAL/zone"; serial: name → "SERIAL"', () => {
      const m = parseLabels('Q2GV-7HJK-2LMN/747034588190081129: Checkout queue\nQ2GV-7HJK-2LMN: Front door camera');
      assert.deepEqual([...m], [
        ['Q2GV-7HJK-2LMN/747034588190081129', 'Checkout queue'],
        ['Q2GV-7HJK-2LMN', 'Front door camera'],
      ]);
    });

    it('the serial is upper-cased, the zone is kept as written', () => {
      const m = parseLabels('q2gv-7hjk-2lmn/Zone-A: Aisle\nq2gv-7hjk-2lmn: Door');
      assert.deepEqual([...m], [
        ['Q2GV-7HJK-2LMN/Zone-A', 'Aisle'],
        ['Q2GV-7HJK-2LMN', 'Door'],
      ]);
    });

    it('the label may hold colons and equals signs (only the first separator splits); spaces are trimmed', () => {
      const m = parseLabels('  Q2GV-7HJK-2LMN/0 :   Till 3: express = fast  ');
      assert.deepEqual([...m], [['Q2GV-7HJK-2LMN/0', 'Till 3: express = fast']]);
    });

    it('= works as a separator', () => {
      assert.deepEqual([...parseLabels('Q2GV-7HJK-2LMN/1 = Entrance')], [['Q2GV-7HJK-2LMN/1', 'Entrance']]);
    });

    it('a later line for the same key wins', () => {
      assert.deepEqual([...parseLabels('Q2GV-7HJK-2LMN/1: A\nq2gv-7hjk-2lmn/1: B')], [['Q2GV-7HJK-2LMN/1', 'B']]);
    });

    it('blank lines, comments and CRLF are skipped; non-strings give an empty map', () => {
      assert.deepEqual([...parseLabels('# zones\r\n\r\nQ2GV-7HJK-2LMN/1: Entrance\r\n  # more\r\n')], [['Q2GV-7HJK-2LMN/1', 'Entrance']]);
      for (const v of ['', undefined, null, 1, []]) assert.equal(parseLabels(v).size, 0, String(v));
    });

    it('a line with no label throws naming the line and the key', () => {
      assert.throws(() => parseLabels('Q2GV-7HJK-2LMN/1: Entrance\n\nQ2GV-7HJK-2LMN/2:   '), /^Error: line 3: no label after "Q2GV-7HJK-2LMN\/2"$/);
    });

    it('a line without a separator throws naming it', () => {
      assert.throws(() => parseLabels('# c\nQ2GV-7HJK-2LMN/1 Entrance'), /line 2: expected "key: value", got "Q2GV-7HJK-2LMN\/1 Entrance"/);
    });
  });

  describe('camera APs from one line (an environment variable)', () => {
    it('takes | between entries', () => {
      const m = parseCameraAps('Q2GV-7HJK-2LMN: e0:55:3d:10:4a:c1 | q2jv-ab12-cd34: E0-55-3D-10-4A-C7, e0553d104b02');
      assert.deepEqual([...m.keys()], ['Q2GV-7HJK-2LMN', 'Q2JV-AB12-CD34']);
      assert.deepEqual([...m.get('Q2JV-AB12-CD34')!], ['e0:55:3d:10:4a:c7', 'e0:55:3d:10:4b:02']);
    });
  });
});
