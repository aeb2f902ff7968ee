// The wallboard's live chart: callers waiting in each queue over the last
// minutes, one point a second (uPlot: small, made for dense time series,
// draws on a canvas without inline styles the page's CSP would refuse).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

// A count holds until the next sample: drawn as steps, not slopes.
const stepped = uPlot.paths.stepped!({ align: 1 });

/** The chart shows the last five minutes. */
const spanSeconds = 300;

const palette = ['#1677ff', '#fa541c', '#52c41a', '#722ed1', '#faad14', '#13c2c2', '#eb2f96', '#2f54eb'];

export interface WaitingChartProps {
  /** uPlot columns: Unix seconds, then one series per queue in `names`' order. */
  data: number[][];
  names: string[];
  height: number;
  /** The y axis's label ("Waiting") and the legend's name of the x values ("Time"). */
  label: string;
  timeLabel: string;
  /** The language times are written in. */
  lang: string;
  dark?: boolean;
}

export function WaitingChart({ data, names, height, label, timeLabel, lang, dark }: WaitingChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = [...names, label, timeLabel, lang, dark ? 'dark' : 'light', height].join('\u0000');

  // A new plot when the queues, theme or height change; the data alone only updates it.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const time = (sec: number) => new Date(sec * 1000).toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    const ink = dark ? '#e6e6e6' : '#333';
    const grid = dark ? '#ffffff22' : '#00000014';
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        scales: { x: { time: true, range: (_u, _min, max) => [max - spanSeconds, max] }, y: { range: (_u, _min, max) => [0, Math.max(3, Math.ceil(max * 1.2))] } },
        axes: [{ ...axis, space: 90, values: (_u, splits) => splits.map((x) => time(x)) }, { ...axis, label, labelSize: 20, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }],
        series: [{ label: timeLabel, value: (_u, x) => (x == null ? '–' : time(x)) }, ...names.map((n, i) => ({ label: n, stroke: palette[i % palette.length], width: 2, points: { show: false }, paths: stepped }))],
        legend: { show: true },
        cursor: { show: true, drag: { x: false, y: false } },
      },
      data as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [key]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return <div ref={box} className="sb-chart" data-testid="waiting-chart" />;
}
