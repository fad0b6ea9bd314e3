// Growing typed arrays: a copy of `a` with room for `size` elements, the new ones set to `fill`. The RIB's columns
// (rib/loc-rib.ts, rib/adj-rib-out.ts, rib/prefix-index.ts) double this way as tables grow.
export function grownInt32(a: Int32Array, size: number, fill = 0): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

export function grownUint8(a: Uint8Array, size: number, fill = 0): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(size);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

export function grownFloat64(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}
