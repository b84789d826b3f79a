// Replying to an inbox item: the inbox sets `pendingReply` and opens the composer, which takes
// it (and clears it) to start a reply draft. A tiny contract between the two screens.
import { signal } from "@preact/signals";
import type { ItemId, Network } from "../ipc/backend";
import { navigate } from "./router";

export interface PendingReply {
  itemId: ItemId;
  /** The account the item arrived on: the reply goes out from it. */
  accountId: string;
  network: Network;
  /** The network's id of the post or comment being answered. */
  externalId: string;
  /** Who wrote it (X @handle without `@`, or a Facebook name), for the composer's header. */
  authorHandle: string | null;
  /** The text being answered, for context. */
  text: string;
}

export const pendingReply = signal<PendingReply | null>(null);

/** Hand an item to the composer as a reply and open it. */
export function startReply(reply: PendingReply) {
  pendingReply.value = reply;
  navigate("compose");
}

/** For the composer: take the pending reply (once). */
export function takePendingReply(): PendingReply | null {
  const r = pendingReply.value;
  pendingReply.value = null;
  return r;
}
