import { strict as assert } from 'assert';
import { createHash, createHmac } from 'crypto';
import fc from 'fast-check';
import { hashMac, normaliseMac } from '../../src/lib/mac';
import { anonymise, checkPost, normalise, Observation } from '../../src/lib/scanning';
import { fixture } from '../support/fixtures';

const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const SECRET = 's3cr3t-shared-value';
const SALT = 'pepper-1';

function observations(name: string): Observation[] {
  const v = checkPost(fixture(name), SECRET);
  if (!v.ok) assert.fail(`${name}: ${v.error}`);
  return normalise(v.post);
}

/** 6 random bytes written in one of the forms users and Meraki use. */
const macBytes = fc.uint8Array({ minLength: 6, maxLength: 6 });
const canonical = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
const spelled = fc.tuple(macBytes, fc.constantFrom(':', '-', '.', ''), fc.boolean()).map(([b, sep, upper]) => {
  const hex = canonical(b).replace(/:/g, '');
  const text = sep === '.' ? hex.match(/.{4}/g)!.join('.') : hex.match(/.{2}/g)!.join(sep);
  return { bytes: b, text: upper ? text.toUpperCase() : text };
});

describe('mac', () => {
  describe('normaliseMac', () => {
    it('accepted forms → lower-case colon form', () => {
      const cases: [string, string][] = [
        ['aa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff'],
        ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
        ['Aa:bB:0c:Dd:1e:fF', 'aa:bb:0c:dd:1e:ff'],
        ['aa-bb-cc-dd-ee-ff', 'aa:bb:cc:dd:ee:ff'],
        ['E0-55-3D-10-4A-C1', 'e0:55:3d:10:4a:c1'],
        ['aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff'],
        ['AABB.CCDD.EEFF', 'aa:bb:cc:dd:ee:ff'],
        ['aabbccddeeff', 'aa:bb:cc:dd:ee:ff'],
        ['E0553D104AC1', 'e0:55:3d:10:4a:c1'],
        [' aa:bb:cc:dd:ee:ff ', 'aa:bb:cc:dd:ee:ff'],
        ['\taa:bb:cc:dd:ee:ff\n', 'aa:bb:cc:dd:ee:ff'],
        ['00:00:00:00:00:00', '00:00:00:00:00:00'],
      ];
      for (const [input, out] of cases) assert.equal(normaliseMac(input), out, JSON.stringify(input));
    });

    it('rejected forms → null', () => {
      const rejected: unknown[] = [
        '', ' ', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:f', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb:cc:dd:ee:fff', 'gg:bb:cc:dd:ee:ff',
        'aa:bb:cc:dd:ee:fg', 'aa_bb_cc_dd_ee_ff', 'aa/bb/cc/dd/ee/ff', 'aa:bb:cc:dd:ee:ff/24', '0xaabbccddeeff', 'aabbccddeef',
        'aabbccddeeff0', 'lobby', 'not a mac at all', 'ａａ:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff' + ' '.repeat(30), 'a'.repeat(1_000_000),
        null, undefined, 0xaabbccddeeff, 187723572702975, true, {}, [], ['aa:bb:cc:dd:ee:ff'], Buffer.from('aabbccddeeff', 'hex'),
        { toString: () => 'aa:bb:cc:dd:ee:ff' },
      ];
      for (const v of rejected) assert.equal(normaliseMac(v), null, typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v));
    });

    it('property: any spelling of random bytes → the canonical form; the canonical form is a fixed point', () => {
      fc.assert(
        fc.property(spelled, ({ bytes, text }) => {
          const out = normaliseMac(text);
          assert.equal(out, canonical(bytes));
          assert.match(out!, MAC_RE);
          assert.equal(normaliseMac(out), out);
        }),
        { numRuns: 2000 },
      );
    });

    it('property: whatever string it is given, the answer is null or a canonical MAC', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:-. '.split('')), maxLength: 40 })), (s) => {
          const out = normaliseMac(s);
          assert.ok(out === null || MAC_RE.test(out), String(out));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('hashMac', () => {
    const mac = '3c:22:fb:8e:19:0a';

    it("'mac' is the default format: a MAC-shaped, locally administered, unicast value", () => {
      const h = hashMac(mac, SALT);
      assert.equal(h, hashMac(mac, SALT, 'mac'));
      assert.match(h, MAC_RE);
      const first = parseInt(h.slice(0, 2), 16);
      assert.equal(first & 0x02, 0x02, 'locally administered bit set');
      assert.equal(first & 0x01, 0x00, 'multicast bit clear');
      assert.notEqual(h, mac);
    });

    it("'hex' is 16 lower-case hex characters", () => {
      const h = hashMac(mac, SALT, 'hex');
      assert.match(h, /^[0-9a-f]{16}$/);
      assert.ok(!h.includes(mac.replace(/:/g, '')));
    });

    it('stable for the same salt; different for a different salt', () => {
      for (const format of ['mac', 'hex'] as const) {
        assert.equal(hashMac(mac, SALT, format), hashMac(mac, SALT, format));
        assert.notEqual(hashMac(mac, SALT, format), hashMac(mac, 'pepper-2', format));
        assert.notEqual(hashMac(mac, SALT, format), hashMac(mac, SALT + ' ', format));
        assert.notEqual(hashMac(mac, SALT, format), hashMac(mac, '', format));
      }
    });

    it('different MACs get different pseudonyms', () => {
      const macs = ['3c:22:fb:8e:19:0a', '3c:22:fb:8e:19:0b', 'a4:c3:f0:55:12:9e', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff'];
      for (const format of ['mac', 'hex'] as const) {
        assert.equal(new Set(macs.map((m) => hashMac(m, SALT, format))).size, macs.length, format);
      }
    });

    it('is the HMAC-SHA-256 of the MAC keyed with the salt (not a plain, reversible-by-enumeration hash)', () => {
      const digest = createHmac('sha256', SALT).update(mac).digest();
      assert.equal(hashMac(mac, SALT, 'hex'), digest.subarray(0, 8).toString('hex'));
      const bytes = Buffer.from(digest.subarray(0, 6));
      assert.equal(hashMac(mac, SALT, 'mac').slice(3), canonical(bytes).slice(3), 'bytes 2–6 are the digest');
      const plain = createHash('sha256').update(mac).digest();
      assert.notEqual(hashMac(mac, SALT, 'hex'), plain.subarray(0, 8).toString('hex'));
    });

    it('property: for random MACs and salts, normaliseMac(hashMac(x)) === hashMac(x), with the LAA/unicast bits right', () => {
      fc.assert(
        fc.property(macBytes, fc.string({ maxLength: 30 }), (b, salt) => {
          const h = hashMac(canonical(b), salt);
          assert.equal(normaliseMac(h), h);
          const first = parseInt(h.slice(0, 2), 16);
          assert.equal(first & 0x03, 0x02);
          assert.match(hashMac(canonical(b), salt, 'hex'), /^[0-9a-f]{16}$/);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('anonymise', () => {
    const ALL = ['B-1', 'B-2', 'B-3', 'B-4', 'B-5', 'B-6', 'B-7', 'B-8', 'B-9', 'B-10', 'B-11'];

    it('replaces every clientMac by hashMac(clientMac); no raw client MAC is left anywhere', () => {
      for (const format of ['mac', 'hex'] as const) {
        for (const name of ALL) {
          const list = observations(name);
          const raw = list.map((o) => o.clientMac);
          const before = list.map((o) => ({ ...o }));
          anonymise(list, SALT, format);
          assert.equal(list.length, before.length);
          list.forEach((o, i) => {
            assert.equal(o.clientMac, hashMac(raw[i], SALT, format), name);
            assert.deepEqual({ ...o, clientMac: null }, { ...before[i], clientMac: null }, 'nothing else changes');
          });
          const text = JSON.stringify(list).toLowerCase();
          for (const m of raw) {
            assert.ok(!text.includes(m), `${name}: ${m} left`);
            assert.ok(!text.includes(m.replace(/:/g, '')), `${name}: ${m} left without colons`);
          }
        }
      }
    });

    it('the AP MAC is not touched', () => {
      const list = observations('B-6');
      anonymise(list, SALT, 'mac');
      assert.ok(list.every((o) => o.apMac === 'e0:55:3d:10:4a:c1'));
    });

    it('the same device gets the same pseudonym across posts and versions; other devices do not', () => {
      // 3c:22:fb:8e:19:0a is in B-1 (v2.0), B-5 (v2.1), B-6 (v3.0, twice) and B-8 (v3.1).
      const names = ['B-1', 'B-5', 'B-6', 'B-8'];
      const ids: string[] = [];
      for (const name of names) {
        const list = observations(name);
        const raw = list.map((o) => o.clientMac);
        anonymise(list, SALT, 'mac');
        list.forEach((o, i) => {
          if (raw[i] === '3c:22:fb:8e:19:0a') ids.push(o.clientMac);
        });
      }
      assert.equal(ids.length, 5);
      assert.equal(new Set(ids).size, 1);
      assert.equal(ids[0], hashMac('3c:22:fb:8e:19:0a', SALT, 'mac'));
      // c2:7d:91:0e:44:a8 is in B-3 (v2 BLE) and B-9 (v3 BLE).
      const a = observations('B-3');
      const b = observations('B-9');
      anonymise(a, SALT, 'hex');
      anonymise(b, SALT, 'hex');
      assert.equal(a[0].clientMac, b[0].clientMac);
      assert.notEqual(a[0].clientMac, a[1].clientMac);
    });

    it('different salts give different pseudonyms for the same post', () => {
      const a = observations('B-1');
      const b = observations('B-1');
      anonymise(a, 'salt-a', 'mac');
      anonymise(b, 'salt-b', 'mac');
      a.forEach((o, i) => assert.notEqual(o.clientMac, b[i].clientMac));
    });

    it('an empty list is fine', () => {
      const list: Observation[] = [];
      anonymise(list, SALT, 'mac');
      assert.deepEqual(list, []);
    });
  });
});
