/** A live sparkline in SVG, drawn by the page itself: the last points, scaled to their maximum. */
import { h } from "./dom.ts";

const NS = "http://www.w3.org/2000/svg";
const W = 300;
const H = 56;

export class Sparkline {
  readonly el: HTMLElement;
  private readonly line = document.createElementNS(NS, "polyline");
  private readonly area = document.createElementNS(NS, "polygon");
  private readonly value = h("span.spark-value");
  private readonly peak = h("span.muted");

  constructor(
    label: string,
    private readonly format: (n: number) => string,
    tone: string,
  ) {
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("class", `spark-svg ${tone}`);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    this.area.setAttribute("class", "spark-area");
    this.line.setAttribute("class", "spark-line");
    svg.append(this.area, this.line);
    this.el = h("figure.spark", {}, h("figcaption", {}, h("span.spark-label", {}, label), this.value, this.peak), svg);
  }

  draw(real: number[], slots: number): void {
    // A full-width baseline from the start: the seconds before the page loaded read as zero.
    const points = [...new Array<number>(Math.max(0, slots - real.length)).fill(0), ...real];
    const max = Math.max(1, ...points);
    const step = W / Math.max(1, slots - 1);
    const x0 = W - step * (points.length - 1);
    const xy = points.map((p, i) => `${(x0 + i * step).toFixed(1)},${(H - 2 - (p / max) * (H - 6)).toFixed(1)}`);
    this.line.setAttribute("points", xy.join(" "));
    this.area.setAttribute("points", points.length ? `${x0.toFixed(1)},${H} ${xy.join(" ")} ${W},${H}` : "");
    this.value.textContent = this.format(real.at(-1) ?? 0);
    this.peak.textContent = `peak ${this.format(Math.max(0, ...real))}`;
  }
}
