import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface DistrictPoint {
  district: string;
  value: number;
}

export default function DistrictBarChart({ data, metric }: { data: DistrictPoint[]; metric: string }) {
  const height = Math.max(220, 36 * data.length + 60);
  return (
    <div data-testid="district-chart" style={{ width: "100%", height }}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ left: 24, right: 24, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" domain={[0, "auto"]} tickFormatter={(v: number) => v.toFixed(2)} />
          <YAxis type="category" dataKey="district" width={120} />
          <Tooltip formatter={(v) => [Number(v).toFixed(4), metric]} />
          <Bar dataKey="value" name={metric} fill="#1976d2" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
