import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
}

export interface ProfileShare {
  name: string;
  /** Share of all samples (0–1), idle included. */
  share: number;
}

export interface ProfileSummary {
  /** Samples not spent idle (0–1). */
  busy: number;
  /** Self time by function (file:line). */
  functions: ProfileShare[];
  /** Self time by where the code lives: a repository folder, or a package under node_modules. */
  places: ProfileShare[];
}

/** Where the main thread spent its time in a .cpuprofile: self time by function and by code area. */
export function summarizeProfile(path: string, top: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const hits = new Map<number, number>();
  if (profile.samples?.length) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  const total = [...hits.values()].reduce((sum, n) => sum + n, 0) || 1;

  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  let idle = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") idle += count;
    const file = shortFile(url);
    const name = `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
    const place = placeOf(file, functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + count);
  }
  const ranked = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, share: count / total }));
  return { busy: 1 - idle / total, functions: ranked(byFunction), places: ranked(byPlace) };
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function shortFile(url: string): string {
  if (!url) return "";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/** node_modules/<package>, a repository folder two levels deep (src/store), node internals, or V8. */
function placeOf(file: string, functionName: string): string {
  const modules = file.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = file.slice(modules + "node_modules/".length).split("/");
    return `node_modules/${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith("node:")) return "node internals";
  if (file === "") return functionName.startsWith("(") ? functionName : "(native: V8, SQLite, crypto, GC)";
  return file.split("/").slice(0, 2).join("/");
}
