/**
 * Colours of values: a diverging scale (blue below zero, white at zero, orange above) for
 * states, whose sign matters, and a sequential one (white to orange) for gates in [0, 1].
 */

type RGB = readonly [number, number, number];
const WHITE: RGB = [255, 255, 255];
const BLUE: RGB = [47, 91, 211];
const ORANGE: RGB = [224, 96, 58];

function mix(a: RGB, b: RGB, t: number): string {
  const u = Math.min(1, Math.max(0, t));
  return `rgb(${a.map((v, i) => Math.round(v + (b[i]! - v) * u)).join(', ')})`;
}

/** A colour for `value` on a diverging scale that saturates at ±`extent`. */
export function divergingColor(value: number, extent: number): string {
  const t = extent > 0 ? value / extent : 0;
  return t < 0 ? mix(WHITE, BLUE, -t) : mix(WHITE, ORANGE, t);
}

/** A colour for `value` in [0, 1] (a gate's opening). */
export function sequentialColor(value: number): string {
  return mix(WHITE, ORANGE, value);
}

/** How a series of values is coloured: gates in [0, 1], anything else around zero up to its largest magnitude. */
export function colorScale(values: ArrayLike<number>, bounded: boolean): (value: number) => string {
  if (bounded) return sequentialColor;
  let extent = 0;
  for (let i = 0; i < values.length; i++) extent = Math.max(extent, Math.abs(values[i]!));
  return (value) => divergingColor(value, extent);
}
