import { Bar, BarChart, CartesianGrid, ErrorBar, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface ScorePoint {
  team: string;
  score: number;
  // [distance below, distance above] the score, as recharts' ErrorBar expects.
  error: [number, number];
  ci: string;
}

export default function ScoreChart({ data, scoreLabel }: { data: ScorePoint[]; scoreLabel: string }) {
  return (
    <div data-testid="score-chart" style={{ width: "100%", height: 320 }}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ left: 8, right: 24, top: 16, bottom: 48 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="team" interval={0} angle={-30} textAnchor="end" height={60} />
          <YAxis domain={[0, "auto"]} tickFormatter={(v: number) => v.toFixed(2)} />
          <Tooltip
            formatter={(v, _name, item) => [`${Number(v).toFixed(4)}  (${(item?.payload as ScorePoint | undefined)?.ci ?? ""})`, scoreLabel]}
          />
          <Bar dataKey="score" name={scoreLabel} fill="#1976d2" isAnimationActive={false}>
            <ErrorBar dataKey="error" width={6} strokeWidth={1.5} stroke="#333" direction="y" isAnimationActive={false} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
