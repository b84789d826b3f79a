import { describe, expect, it } from "vitest";
import { render } from "@testing-library/preact";
import { RichText, segment } from "./rich-text";

describe("segment", () => {
  it("splits mentions, hashtags and urls out of the text", () => {
    const s = segment("Thanks @EmbassyParis for #OpenDoors https://t.co/abc !", {
      mentions: ["EmbassyParis"],
      hashtags: ["OpenDoors"],
      urls: ["https://t.co/abc"],
    });
    expect(s.map((x) => x.kind)).toEqual(["text", "mention", "text", "hashtag", "text", "url", "text"]);
    expect(s[1]?.text).toBe("@EmbassyParis");
  });
  it("does not match a handle inside a longer one", () => {
    const s = segment("@Emb @EmbassyParis", { mentions: ["Emb"], hashtags: [], urls: [] });
    expect(s.filter((x) => x.kind === "mention").map((x) => x.text)).toEqual(["@Emb"]);
  });
  it("handles Arabic hashtags and text", () => {
    const s = segment("شكرا للسفارة #السلام", { mentions: [], hashtags: ["السلام"], urls: [] });
    expect(s.map((x) => x.kind)).toEqual(["text", "hashtag"]);
  });
});

describe("RichText", () => {
  it("isolates direction and declares the language", () => {
    const { container } = render(<RichText text="مرحبا بكم" lang="ar" />);
    const el = container.querySelector("bdi") as HTMLElement;
    expect(el.getAttribute("dir")).toBe("auto");
    expect(el.getAttribute("lang")).toBe("ar");
    expect(el.textContent).toBe("مرحبا بكم");
  });
  it("omits an unknown language", () => {
    const { container } = render(<RichText text="hi" lang="und" />);
    expect(container.querySelector("bdi")?.hasAttribute("lang")).toBe(false);
  });
});
