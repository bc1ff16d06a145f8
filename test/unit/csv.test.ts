import { strict as assert } from 'assert';
import { CSV_COLUMNS, defuse, headerLine, parseColumns, parseCsvLine, toCell, toCsvLines } from '../../src/lib/csv';

describe('csv', () => {
  describe('defuse', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      it(`a leading ${JSON.stringify(start)} gets a leading '`, () => {
        assert.equal(defuse(`${start}SUM(A1:A9)`), `'${start}SUM(A1:A9)`);
      });
    }

    it('leaves other text alone, including formula characters further in', () => {
      for (const text of ['', 'hello', 'a=b', ' =1+1', "'=x", 'x-1', '1+1', 'mail@example.com', '"=1"']) {
        assert.equal(defuse(text), text);
      }
    });

    it('defuses the classic injection payloads', () => {
      assert.equal(defuse('=HYPERLINK("http://x","click")'), `'=HYPERLINK("http://x","click")`);
      assert.equal(defuse('@SUM(1+1)*cmd|\' /C calc\'!A0'), `'@SUM(1+1)*cmd|' /C calc'!A0`);
      assert.equal(defuse('-2+3+cmd|\' /C calc\'!A0'), `'-2+3+cmd|' /C calc'!A0`);
    });
  });

  describe('toCell', () => {
    it('numbers stay numbers', () => {
      assert.equal(toCell(0), 0);
      assert.equal(toCell(-3), -3);
      assert.equal(toCell(1.5), 1.5);
      assert.equal(toCell(1718870412345), 1718870412345);
      assert.equal(typeof toCell(-45), 'number', 'a negative number is not defused');
    });

    it('NaN and ±Infinity → empty', () => {
      assert.equal(toCell(NaN), '');
      assert.equal(toCell(Infinity), '');
      assert.equal(toCell(-Infinity), '');
    });

    it('null, undefined, functions and symbols → empty', () => {
      assert.equal(toCell(null), '');
      assert.equal(toCell(undefined), '');
      assert.equal(toCell(() => 1), '');
      assert.equal(toCell(Symbol('x')), '');
    });

    it('text is defused; numeric-looking text stays text', () => {
      assert.equal(toCell('=1+1'), "'=1+1");
      assert.equal(toCell('-45'), "'-45");
      assert.equal(toCell('guest wifi'), 'guest wifi');
      assert.equal(toCell(''), '');
    });

    it('line breaks inside text become spaces (one record = one line)', () => {
      assert.equal(toCell('a\nb'), 'a b');
      assert.equal(toCell('a\r\nb'), 'a b');
      assert.equal(toCell('a\rb'), 'a b');
      assert.equal(toCell('a\n\n\nb'), 'a b');
      assert.equal(toCell('a\u2028b\u2029c'), 'a b c');
      assert.equal(toCell('\r=cmd'), "' =cmd", 'a leading CR is defused before it becomes a space');
      const cell = toCell('x\ny\rz');
      assert.ok(typeof cell === 'string' && !/[\r\n]/.test(cell));
    });

    it('booleans and bigints → text', () => {
      assert.equal(toCell(true), 'true');
      assert.equal(toCell(false), 'false');
      assert.equal(toCell(12345678901234567890n), '12345678901234567890');
    });

    it('Date → ISO-8601 UTC; an invalid Date → empty', () => {
      assert.equal(toCell(new Date(Date.UTC(2024, 5, 20, 8, 0, 12, 345))), '2024-06-20T08:00:12.345Z');
      assert.equal(toCell(new Date(NaN)), '');
    });

    it('objects and arrays → JSON on one line, never starting with a formula character', () => {
      assert.equal(toCell({ a: 1, b: 'x' }), '{"a":1,"b":"x"}');
      assert.equal(toCell([1, 'two', null]), '[1,"two",null]');
      assert.equal(toCell({ text: '=1+1\nnext' }), '{"text":"=1+1\\nnext"}');
      assert.equal(toCell([]), '[]');
    });

    it('an object that cannot be serialised → empty, no throw', () => {
      const loop: Record<string, unknown> = {};
      loop.self = loop;
      assert.equal(toCell(loop), '');
      assert.equal(toCell({ big: 1n }), '');
    });
  });

  describe('toCsvLines', () => {
    it('no records → empty text', () => {
      assert.equal(toCsvLines([], ['a']), '');
    });

    it('one line per record in column order, with a trailing newline', () => {
      const text = toCsvLines(
        [
          { b: 2, a: 1, c: 'x' },
          { c: 'y', a: 3, b: 4 },
        ],
        ['a', 'b', 'c'],
      );
      assert.equal(text, '1,2,x\n3,4,y\n');
    });

    it('quotes commas, quotes and leading/trailing spaces as RFC 4180 needs', () => {
      const text = toCsvLines([{ a: 'x,y', b: 'say "hi"', c: 'plain' }], ['a', 'b', 'c']);
      assert.equal(text, '"x,y","say ""hi""",plain\n');
      assert.deepEqual(parseCsvLine(text), ['x,y', 'say "hi"', 'plain']);
    });

    it('missing keys and extra keys', () => {
      const text = toCsvLines([{ a: 1, extra: 'ignored' }, { c: 3 }], ['a', 'b', 'c']);
      assert.equal(text, '1,,\n,,3\n');
    });

    it('defuses formulas and keeps numbers', () => {
      const text = toCsvLines([{ ssid: '=HYPERLINK("x")', rssi: -45, name: '@me' }], ['ssid', 'rssi', 'name']);
      assert.equal(text, `"'=HYPERLINK(""x"")",-45,'@me\n`);
    });

    it('a text with line breaks stays on one line', () => {
      const text = toCsvLines([{ a: 'line1\nline2', b: 'x\r\ny' }], ['a', 'b']);
      assert.equal(text, 'line1 line2,x y\n');
      assert.equal(text.split('\n').length, 2);
    });

    it('prototype keys in columns do not leak inherited values', () => {
      const cols = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
      assert.equal(toCsvLines([{}], cols), ',,,,\n');
      assert.equal(toCsvLines([{ a: 1 }], ['a', ...cols]), '1,,,,,\n');
    });

    it('inherited values from a custom prototype are not used either', () => {
      const rec = Object.create({ secret: 'inherited' }) as Record<string, unknown>;
      rec.open = 'own';
      assert.equal(toCsvLines([rec], ['open', 'secret']), 'own,\n');
    });

    it('own keys named like prototype keys are written', () => {
      const rec = JSON.parse('{"__proto__":"p","constructor":"c","hasOwnProperty":"h"}') as Record<string, unknown>;
      assert.equal(toCsvLines([rec], ['__proto__', 'constructor', 'hasOwnProperty']), 'p,c,h\n');
    });

    it('a record with a null prototype works', () => {
      const rec = Object.create(null) as Record<string, unknown>;
      rec.a = 'x';
      assert.equal(toCsvLines([rec], ['a', 'b']), 'x,\n');
    });

    it('nested values are JSON, quoted because they contain commas and quotes', () => {
      const text = toCsvLines([{ a: { x: 1, y: [2, 3] } }], ['a']);
      assert.equal(text, '"{""x"":1,""y"":[2,3]}"\n');
      assert.deepEqual(parseCsvLine(text), ['{"x":1,"y":[2,3]}']);
    });

    it('the SPEC file columns (contract)', () => {
      assert.deepEqual(CSV_COLUMNS.mvData, ['serial', 'zone', 'timeIn', 'timeOut', 'durationS', 'peakPeople', 'messages']);
      assert.equal(
        CSV_COLUMNS.cmxData.join(','),
        'time,clientMac,apMac,rssi,ssid,manufacturer,os,ipv4,lat,lng,unc,x,y,floor,networkId,radio,version',
      );
      assert.equal(CSV_COLUMNS.correlation.join(','), 'serial,zone,timeIn,timeOut,peakPeople,clientMac,seenTime,rssi,apMac');
    });

    it('an mvData activity row', () => {
      const text = toCsvLines(
        [
          {
            serial: 'Q2GV-7HJK-2LMN',
            zone: '0',
            tsIn: 5000,
            tsOut: 65000,
            timeIn: '1970-01-01T00:00:05.000Z',
            timeOut: '1970-01-01T00:01:05.000Z',
            durationS: 60,
            peakPeople: 3,
            messages: 80,
          },
        ],
        CSV_COLUMNS.mvData,
      );
      assert.equal(text, 'Q2GV-7HJK-2LMN,0,1970-01-01T00:00:05.000Z,1970-01-01T00:01:05.000Z,60,3,80\n');
    });
  });

  describe('headerLine', () => {
    it('joins the column names with a trailing newline', () => {
      assert.equal(headerLine(['a', 'b', 'c']), 'a,b,c\n');
      assert.equal(headerLine(CSV_COLUMNS.mvData), 'serial,zone,timeIn,timeOut,durationS,peakPeople,messages\n');
    });

    it('quotes and defuses names that need it', () => {
      assert.equal(headerLine(['a,b', '=x', 'q"t']), `"a,b",'=x,"q""t"\n`);
    });

    it('round-trips through parseCsvLine for ordinary names', () => {
      const cols = ['time', 'client Mac', 'a,b', 'say "x"'];
      assert.deepEqual(parseCsvLine(headerLine(cols)), cols);
    });
  });

  describe('parseCsvLine', () => {
    it('plain fields, with or without a line break at the end', () => {
      assert.deepEqual(parseCsvLine('a,b,c'), ['a', 'b', 'c']);
      assert.deepEqual(parseCsvLine('a,b,c\n'), ['a', 'b', 'c']);
      assert.deepEqual(parseCsvLine('a,b,c\r\n'), ['a', 'b', 'c']);
    });

    it('a line whose \\n was already cut keeps no trailing CR (CRLF files)', () => {
      assert.deepEqual(parseCsvLine('a,b,c\r'), ['a', 'b', 'c']);
    });

    it('empty fields and a trailing comma', () => {
      assert.deepEqual(parseCsvLine(''), ['']);
      assert.deepEqual(parseCsvLine(',,'), ['', '', '']);
      assert.deepEqual(parseCsvLine('a,,c'), ['a', '', 'c']);
      assert.deepEqual(parseCsvLine('a,b,'), ['a', 'b', '']);
      assert.deepEqual(parseCsvLine('"",x'), ['', 'x']);
    });

    it('quoted fields with commas, doubled quotes and line breaks', () => {
      assert.deepEqual(parseCsvLine('"a,b","say ""hi""",c'), ['a,b', 'say "hi"', 'c']);
      assert.deepEqual(parseCsvLine('"x\ny",z'), ['x\ny', 'z']);
      assert.deepEqual(parseCsvLine('""""'), ['"']);
    });

    it('round trips toCsvLines for awkward values', () => {
      const values = ['x,y', 'q"uote', '', "'=defused", 'tab\there', ' spaced ', 'ünïcødé ✓', '{"j":[1,2]}'];
      const cols = values.map((_, i) => `c${i}`);
      const rec: Record<string, unknown> = {};
      values.forEach((v, i) => (rec[cols[i]] = v));
      const line = toCsvLines([rec], cols);
      assert.deepEqual(parseCsvLine(line), values);
    });

    it('round trips numbers as their text', () => {
      const line = toCsvLines([{ a: 1, b: -2.5, c: 0 }], ['a', 'b', 'c']);
      assert.deepEqual(parseCsvLine(line), ['1', '-2.5', '0']);
    });
  });

  describe('parseColumns', () => {
    it('comma-separated text, trimmed', () => {
      assert.deepEqual(parseColumns('a, b ,c'), ['a', 'b', 'c']);
      assert.deepEqual(parseColumns('serial'), ['serial']);
      assert.deepEqual(parseColumns(' time , client Mac '), ['time', 'client Mac']);
    });

    it('empty entries are skipped', () => {
      assert.deepEqual(parseColumns('a,,b,'), ['a', 'b']);
    });

    it('empty or blank text, or only commas → null', () => {
      assert.equal(parseColumns(''), null);
      assert.equal(parseColumns('   '), null);
      assert.equal(parseColumns(' , ,'), null);
    });

    it('an array is accepted (trimmed, empties dropped); an empty one → null', () => {
      assert.deepEqual(parseColumns([' a', 'b ', '', 3]), ['a', 'b', '3']);
      assert.equal(parseColumns([]), null);
      assert.equal(parseColumns(['', ' ']), null);
    });

    it('other types → null', () => {
      assert.equal(parseColumns(undefined), null);
      assert.equal(parseColumns(null), null);
      assert.equal(parseColumns(42), null);
      assert.equal(parseColumns({ a: 1 }), null);
    });
  });
});
