import { describe, expect, it } from "vitest";
import { render } from "@testing-library/preact";
import { LineChart } from "./charts";

describe("LineChart", () => {
  it("draws a value with no neighbour as a dot, and joined values as a line", () => {
    const view = render(
      <LineChart
        id="c"
        title="Response times"
        summary="X: 120 ms"
        labels={["10:00", "10:01", "10:02", "10:03"]}
        series={[
          { name: "X, median", values: [null, 120, null, null], color: "#36c" },
          { name: "Facebook, median", values: [80, 90, 100, null], color: "#c63" },
        ]}
        format={(v) => `${v} ms`}
      />,
    );
    const dots = view.container.querySelectorAll("circle.dot");
    expect(dots.length).toBe(1);
    const lines = [...view.container.querySelectorAll("path.line")].map((p) => p.getAttribute("d") ?? "");
    expect(lines[0]).toMatch(/^M[\d.]+,[\d.]+$/);
    expect(lines[1]).toMatch(/^M[\d.,]+L[\d.,]+L[\d.,]+$/);
  });
});
