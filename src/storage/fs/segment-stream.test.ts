import { expect, test } from "bun:test";
import { sliceSegments } from "./segment-stream.ts";

const segments = [
  { blobId: "one", size: 10 },
  { blobId: "empty", size: 0 },
  { blobId: "two", size: 5 },
  { blobId: "three", size: 20 },
];

test("sliceSegments without range covers all", () => {
  expect(sliceSegments(segments)).toEqual([
    { blobId: "one", start: 0, end: 10 },
    { blobId: "two", start: 0, end: 5 },
    { blobId: "three", start: 0, end: 20 },
  ]);
});

test("sliceSegments range across segments", () => {
  expect(sliceSegments(segments, { start: 8, end: 16 })).toEqual([
    { blobId: "one", start: 8, end: 10 },
    { blobId: "two", start: 0, end: 5 },
    { blobId: "three", start: 0, end: 2 },
  ]);
});

test("sliceSegments range inside one segment", () => {
  expect(sliceSegments(segments, { start: 10, end: 10 })).toEqual([{ blobId: "two", start: 0, end: 1 }]);
  expect(sliceSegments(segments, { start: 34, end: 34 })).toEqual([{ blobId: "three", start: 19, end: 20 }]);
});

test("sliceSegments of an empty object", () => {
  expect(sliceSegments([])).toEqual([]);
  expect(sliceSegments([{ blobId: "empty", size: 0 }])).toEqual([]);
});
