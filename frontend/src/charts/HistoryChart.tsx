import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatDateTime, parseApiDate } from "../common/dates";
import type { Schemas } from "../common/types";

export type HistorySeries = Schemas["HistorySeries"];

const COLORS = ["#1976d2", "#d32f2f", "#388e3c", "#f57c00", "#7b1fa2", "#0097a7", "#5d4037", "#c2185b", "#455a64", "#afb42b"];

/** Each team's best public score over time, as step lines that run on to now. */
export default function HistoryChart({ series, locale, scoreLabel }: { series: HistorySeries[]; locale: string; scoreLabel: string }) {
  const now = Date.now();
  const lines = series.map((s) => {
    const points = s.points
      .map((p) => ({ t: parseApiDate(p.at)?.getTime() ?? 0, best: p.best }))
      .filter((p) => p.t > 0);
    const last = points[points.length - 1];
    return { ...s, data: last ? [...points, { t: Math.max(now, last.t), best: last.best }] : points };
  });
  const times = lines.flatMap((l) => l.data.map((p) => p.t));
  const domain: [number, number] = times.length ? [Math.min(...times), Math.max(...times)] : [now - 1, now];
  return (
    <div data-testid="history-chart" data-series={series.length} style={{ width: "100%", height: 340 }}>
      <ResponsiveContainer>
        <LineChart margin={{ left: 8, right: 24, top: 16, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={domain}
            tickFormatter={(v: number) => formatDateTime(v, locale).slice(5)}
            allowDuplicatedCategory={false}
          />
          <YAxis domain={["auto", "auto"]} tickFormatter={(v: number) => v.toFixed(3)} />
          <Tooltip
            labelFormatter={(v) => formatDateTime(Number(v), locale)}
            formatter={(v, name) => [Number(v).toFixed(4), `${String(name)} · ${scoreLabel}`]}
          />
          <Legend />
          {lines.map((l, i) => (
            <Line
              key={l.team_id}
              data={l.data}
              dataKey="best"
              name={l.team}
              type="stepAfter"
              stroke={COLORS[i % COLORS.length]}
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
