/**
 * Colours of values: a diverging scale (blue below zero, white at zero, orange above) for
 * states, whose sign matters, and a sequential one (white to orange) for gates in [0, 1].
 */

/** A colour as red, green and blue in [0, 255]. */
export type RGB = readonly [number, number, number];
const WHITE: RGB = [255, 255, 255];
const BLUE: RGB = [47, 91, 211];
const ORANGE: RGB = [224, 96, 58];

function mix(a: RGB, b: RGB, t: number): RGB {
  const u = Math.min(1, Math.max(0, t));
  return [Math.round(a[0] + (b[0] - a[0]) * u), Math.round(a[1] + (b[1] - a[1]) * u), Math.round(a[2] + (b[2] - a[2]) * u)];
}

/** How a series of values is coloured: gates in [0, 1] from white to orange, anything else around zero up to its largest magnitude. */
export function rgbScale(values: ArrayLike<number>, bounded: boolean): (value: number) => RGB {
  if (bounded) return (value) => mix(WHITE, ORANGE, value);
  let extent = 0;
  for (let i = 0; i < values.length; i++) extent = Math.max(extent, Math.abs(values[i]));
  return (value) => {
    const t = extent > 0 ? value / extent : 0;
    return t < 0 ? mix(WHITE, BLUE, -t) : mix(WHITE, ORANGE, t);
  };
}

/** {@link rgbScale} as CSS colours. */
export function colorScale(values: ArrayLike<number>, bounded: boolean): (value: number) => string {
  const scale = rgbScale(values, bounded);
  return (value) => `rgb(${scale(value).join(', ')})`;
}
