import { parseRange } from '../../subgraphs/media/files/delivery';
it("reads one byte range as RFC 9110 means it; several, or none, are the whole file", () => {
  expect(parseRange('bytes=1000-1999', 50000)).toEqual({ start: 1000, end: 1999 });
  expect(parseRange('bytes=-100', 50000)).toEqual({ start: 49900, end: 49999 });
  expect(parseRange('bytes=-100', 50)).toEqual({ start: 0, end: 49 });
  expect(parseRange('bytes=50000-', 50000)).toBe('unsatisfiable');
  expect(parseRange('bytes=0-', 50000)).toEqual({ start: 0, end: 49999 });
  expect(parseRange('bytes=10-99999', 50000)).toEqual({ start: 10, end: 49999 });
  expect(parseRange('bytes=-0', 50000)).toBe('unsatisfiable');
  expect(parseRange('bytes=-0', 0)).toBe('unsatisfiable');
  // Not valid syntax, or not a unit we serve: ignored, as RFC 9110 says, so the whole file.
  expect(parseRange('bytes=-', 50000)).toBeNull();
  expect(parseRange('bytes=5-2', 50000)).toBeNull();
  expect(parseRange('bytes=5-1e3', 50000)).toBeNull();
  expect(parseRange('bytes=abc', 50000)).toBeNull();
  expect(parseRange('items=0-2', 50000)).toBeNull();
  expect(parseRange('garbage', 50000)).toBeNull();
  expect(parseRange('BYTES=0-9', 50000)).toEqual({ start: 0, end: 9 });
  expect(parseRange('bytes=0-1,5-6', 50000)).toBeNull();
  expect(parseRange('bytes=0-1,x', 50000)).toBeNull();
  expect(parseRange(undefined, 50000)).toBeNull();
});
