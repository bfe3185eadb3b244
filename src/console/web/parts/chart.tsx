/**
 * A time-series chart with uPlot: days (or hours) along x, one line per series.
 * `marks` shade ranges of x (the analytics' PROCESSING days). Accessible: the chart
 * is an image with a label, and the same numbers follow as a table for screen readers.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

export interface Series {
  label: string;
  values: (number | null)[];
  color?: string;
}

const COLORS = ['#e60023', '#0074e8', '#008753', '#b35c00', '#6e0fa1'];

export function TimeChart({
  title,
  x,
  series,
  marks = [],
  height = 220,
  id,
}: {
  title: string;
  /** x values in seconds since the epoch. */
  x: number[];
  series: Series[];
  /** [from, to] ranges of x to shade, each with a label. */
  marks?: { from: number; to: number; label: string }[];
  height?: number;
  id?: string;
}) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const shade = (u: uPlot) => {
      const { ctx } = u;
      ctx.save();
      ctx.fillStyle = 'rgba(118, 118, 118, 0.15)';
      for (const mark of marks) {
        const left = u.valToPos(mark.from, 'x', true);
        const right = u.valToPos(mark.to, 'x', true);
        ctx.fillRect(left, u.bbox.top, Math.max(2, right - left), u.bbox.height);
      }
      ctx.restore();
    };
    const plot = new uPlot(
      {
        width: Math.max(320, element.clientWidth || 640),
        height,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: s.color ?? COLORS[i % COLORS.length], width: 2, points: { show: x.length < 40 } }))],
        axes: [{}, { size: 60 }],
        hooks: { drawClear: [shade] },
      },
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    return () => plot.destroy();
  }, [JSON.stringify({ x, series, marks }), height]);
  return (
    <figure class="chart" id={id}>
      <figcaption>{title}</figcaption>
      <div ref={holder} role="img" aria-label={`${title}: chart of ${series.map((s) => s.label).join(', ')}`} />
      <details>
        <summary>Numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">time</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {x.map((t, i) => (
              <tr key={t}>
                <td>{new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ')}</td>
                {series.map((s) => (
                  <td key={s.label}>{s.values[i] ?? '—'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
