import { strict as assert } from 'assert';
import { listFilter, splitList } from '../../src/lib/filter';

describe('filter', () => {
  describe('splitList', () => {
    it('splits on commas, semicolons, spaces and new lines, dropping empties', () => {
      assert.deepEqual(splitList('a,b;c d\ne\r\nf\tg'), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
      assert.deepEqual(splitList(' , a ,, ; b ,'), ['a', 'b']);
      assert.deepEqual(splitList('Q2GV-7HJK-2LMN, Q2JV-AB12-CD34'), ['Q2GV-7HJK-2LMN', 'Q2JV-AB12-CD34']);
    });

    it('keeps case and order', () => {
      assert.deepEqual(splitList('b,A,a'), ['b', 'A', 'a']);
    });

    it('empty and blank text → []', () => {
      assert.deepEqual(splitList(''), []);
      assert.deepEqual(splitList('  \n ,;'), []);
    });

    it('an array: items trimmed and stringified, empties dropped', () => {
      assert.deepEqual(splitList([' a ', '', 'b', 0, '  ']), ['a', 'b', '0']);
    });

    it('other types → []', () => {
      for (const v of [undefined, null, 42, {}, true]) assert.deepEqual(splitList(v), [], String(v));
    });
  });

  describe('listFilter', () => {
    it("'*', empty text, blanks, [] and non-strings pass everything", () => {
      for (const v of ['*', '', '  ', [], undefined, null, 7, ' * ']) {
        const f = listFilter(v);
        assert.equal(f.all, true, String(v));
        assert.equal(f.test('anything'), true);
        assert.equal(f.test(''), true);
      }
    });

    it("'*' anywhere in a list passes everything", () => {
      const f = listFilter('A, *, B');
      assert.equal(f.all, true);
      assert.equal(f.test('C'), true);
    });

    it('a list passes only its values, ignoring case', () => {
      const f = listFilter('q2gv-7hjk-2lmn; Q2JV-AB12-CD34\n0');
      assert.equal(f.all, false);
      assert.deepEqual([...f.values].sort(), ['0', 'Q2GV-7HJK-2LMN', 'Q2JV-AB12-CD34']);
      assert.equal(f.test('Q2GV-7HJK-2LMN'), true);
      assert.equal(f.test('q2jv-ab12-cd34'), true);
      assert.equal(f.test('0'), true);
      assert.equal(f.test('Q2GV-7HJK-2LMX'), false);
      assert.equal(f.test('Q2GV'), false, 'no prefix matching');
      assert.equal(f.test(''), false);
      assert.equal(f.test('*'), false);
    });

    it('an array list works the same', () => {
      const f = listFilter(['a', ' B ']);
      assert.equal(f.test('A'), true);
      assert.equal(f.test('b'), true);
      assert.equal(f.test('c'), false);
    });
  });
});
