// Epochs as the EpochSchedule sysvar defines them, warmup included: with warmup the first epochs are
// 32, 64, 128… slots long until they reach slotsPerEpoch (solana-test-validator starts the same way).

const MINIMUM_SLOTS_PER_EPOCH = 32;

export interface EpochScheduleConfig {
  slotsPerEpoch: number;
  leaderScheduleSlotOffset: number;
  warmup: boolean;
  firstNormalEpoch: number;
  firstNormalSlot: number;
}

const log2 = (n: number) => Math.round(Math.log2(n));

export function slotsInEpoch(schedule: EpochScheduleConfig, epoch: number): number {
  return epoch < schedule.firstNormalEpoch
    ? 2 ** (epoch + log2(MINIMUM_SLOTS_PER_EPOCH))
    : schedule.slotsPerEpoch;
}

export function epochAndSlotIndex(
  schedule: EpochScheduleConfig,
  slot: number,
): { epoch: number; slotIndex: number } {
  if (slot < schedule.firstNormalSlot) {
    // Epoch e (warmup) spans [32·(2^e − 1), 32·(2^(e+1) − 1)).
    const epoch = Math.floor(Math.log2(slot / MINIMUM_SLOTS_PER_EPOCH + 1));
    const start = MINIMUM_SLOTS_PER_EPOCH * (2 ** epoch - 1);
    return { epoch, slotIndex: slot - start };
  }
  const normalSlotIndex = slot - schedule.firstNormalSlot;
  return {
    epoch: schedule.firstNormalEpoch + Math.floor(normalSlotIndex / schedule.slotsPerEpoch),
    slotIndex: normalSlotIndex % schedule.slotsPerEpoch,
  };
}

/** The first slot of `epoch`. */
export function firstSlotInEpoch(schedule: EpochScheduleConfig, epoch: number): number {
  if (epoch <= schedule.firstNormalEpoch) return MINIMUM_SLOTS_PER_EPOCH * (2 ** epoch - 1);
  return (epoch - schedule.firstNormalEpoch) * schedule.slotsPerEpoch + schedule.firstNormalSlot;
}
