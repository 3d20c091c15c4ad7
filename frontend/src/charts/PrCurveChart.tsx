import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

// Fixed quarter ticks, each labelled with the digits it needs: 0.25 reads "0.25" (it used to be rounded to "0.3").
const TICKS = [0, 0.25, 0.5, 0.75, 1];
const tick = (v: number) => String(Number(v.toFixed(2)));

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
            ticks={TICKS}
            tickFormatter={tick}
            label={{ value: labels.recall, position: "insideBottom", offset: -12 }}
          />
          <YAxis
            type="number"
            domain={[0, 1]}
            ticks={TICKS}
            tickFormatter={tick}
            label={{ value: labels.precision, angle: -90, position: "insideLeft" }}
          />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} labelFormatter={(v) => `${labels.recall}: ${Number(v).toFixed(3)}`} />
          <Line type="stepAfter" dataKey="precision" name={labels.precision} stroke="#d32f2f" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
