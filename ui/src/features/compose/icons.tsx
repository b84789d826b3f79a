// Network marks (inline SVG: no fonts or remote images needed) with accessible names.
import type { Network } from "../../ipc/backend";

const PATHS: Record<Network, string> = {
  x: "M18.244 2.25h3.308l-7.227 8.26 8.502 11.24H16.17l-5.214-6.817L4.99 21.75H1.68l7.73-8.835L1.254 2.25H8.08l4.713 6.231zm-1.161 17.52h1.833L7.084 4.126H5.117z",
  facebook:
    "M24 12.073C24 5.405 18.627 0 12 0S0 5.405 0 12.073C0 18.1 4.388 23.094 10.125 24v-8.437H7.078v-3.49h3.047V9.41c0-3.025 1.792-4.697 4.533-4.697 1.312 0 2.686.236 2.686.236v2.971H15.83c-1.491 0-1.956.93-1.956 1.874v2.25h3.328l-.532 3.49h-2.796V24C19.612 23.094 24 18.1 24 12.073z",
};

export const NETWORK_NAME: Record<Network, string> = { x: "X", facebook: "Facebook" };

export function NetworkIcon(props: { network: Network; size?: number; decorative?: boolean }) {
  const size = props.size ?? 14;
  return (
    <svg
      class={`net-icon net-${props.network}`}
      viewBox="0 0 24 24"
      width={size}
      height={size}
      role={props.decorative ? undefined : "img"}
      aria-hidden={props.decorative ? "true" : undefined}
      aria-label={props.decorative ? undefined : NETWORK_NAME[props.network]}
      focusable="false"
    >
      <path d={PATHS[props.network]} fill="currentColor" />
    </svg>
  );
}
