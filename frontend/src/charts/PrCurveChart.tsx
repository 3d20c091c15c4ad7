import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export default function PrCurveChart({
  precision,
  recall,
  labels,
}: {
  precision: number[];
  recall: number[];
  labels: { precision: string; recall: string };
}) {
  const points = recall
    .map((r, i) => ({ recall: Number(r), precision: Number(precision[i]) }))
    .filter((p) => Number.isFinite(p.recall) && Number.isFinite(p.precision))
    .sort((a, b) => a.recall - b.recall);
  return (
    <div data-testid="pr-curve" style={{ width: "100%", height: 300 }}>
      <ResponsiveContainer>
        <LineChart data={points} margin={{ left: 8, right: 24, top: 8, bottom: 24 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="recall"
            domain={[0, 1]}
            tickFormatter={(v: number) => v.toFixed(1)}
            label={{ value: labels.recall, position: "insideBottom", offset: -12 }}
          />
          <YAxis
            type="number"
            domain={[0, 1]}
            tickFormatter={(v: number) => v.toFixed(1)}
            label={{ value: labels.precision, angle: -90, position: "insideLeft" }}
          />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(v) => `${labels.recall}: ${Number(v).toFixed(3)}`} />
          <Line type="stepAfter" dataKey="precision" name={labels.precision} stroke="#d32f2f" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
