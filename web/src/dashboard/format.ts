// How the dashboard writes its figures: one function per unit, "–" for a figure with no data.

const NONE = '–';

export const formatMs = (value: number | null | undefined) =>
  value == null ? NONE : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;

export const formatPercent = (value: number | null | undefined) =>
  value == null ? NONE : `${(value * 100).toFixed(1)} %`;

export const formatUsd = (value: number | null | undefined) =>
  value == null
    ? NONE
    : value !== 0 && Math.abs(value) < 0.01
      ? `$${value.toFixed(4)}`
      : `$${value.toFixed(2)}`;

export const formatCount = (value: number) => value.toLocaleString('en-US');

export const formatTime = (iso: string) => new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
