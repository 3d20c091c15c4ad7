import { lazy, Suspense, type ComponentProps } from "react";
import { Loading } from "../common/States";

// recharts is large; these load as a separate chunk only when a chart is on screen.
const DistrictBarChartLazy = lazy(() => import("./DistrictBarChart"));
const PrCurveChartLazy = lazy(() => import("./PrCurveChart"));
const ScoreChartLazy = lazy(() => import("./ScoreChart"));
const HistoryChartLazy = lazy(() => import("./HistoryChart"));

export function DistrictBarChart(props: ComponentProps<typeof DistrictBarChartLazy>) {
  return (
    <Suspense fallback={<Loading testId="chart-loading" />}>
      <DistrictBarChartLazy {...props} />
    </Suspense>
  );
}

export function PrCurveChart(props: ComponentProps<typeof PrCurveChartLazy>) {
  return (
    <Suspense fallback={<Loading testId="chart-loading" />}>
      <PrCurveChartLazy {...props} />
    </Suspense>
  );
}

export function ScoreChart(props: ComponentProps<typeof ScoreChartLazy>) {
  return (
    <Suspense fallback={<Loading testId="chart-loading" />}>
      <ScoreChartLazy {...props} />
    </Suspense>
  );
}

export function HistoryChart(props: ComponentProps<typeof HistoryChartLazy>) {
  return (
    <Suspense fallback={<Loading testId="chart-loading" />}>
      <HistoryChartLazy {...props} />
    </Suspense>
  );
}
