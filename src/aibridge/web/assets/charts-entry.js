// Entry point of the charts bundle (built by scripts/vendor-assets with esbuild).
// Only the ECharts parts the pages use are imported (tree-shaken echarts/core: map + line
// charts, tooltip, grid, visualMap, SVG renderer), about 200 KB gzipped instead of the full
// build's 330 KB; it is loaded only by pages that draw a chart. topojson-client turns the
// world-atlas TopoJSON into GeoJSON in the browser (the TopoJSON is 3x smaller on the wire).
import * as echarts from "echarts/core";
import { MapChart, LineChart } from "echarts/charts";
import { TooltipComponent, VisualMapComponent, GridComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import { feature } from "topojson-client";

echarts.use([MapChart, LineChart, TooltipComponent, VisualMapComponent, GridComponent, SVGRenderer]);

window.AibridgeCharts = { echarts, topojsonFeature: feature };
