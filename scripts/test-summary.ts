// Prints the closing line of a test run, `tests: N passed, N failed, N skipped`, from the
// JUnit report that `bun test --reporter=junit` writes, and sets the exit status.
//
// Usage: bun scripts/test-summary.ts <junit.xml> <bun test exit status>
//
// Exits 1 when a test failed, when bun test exited non-zero, or when no test ran.
// Bun 1.4 leaves two kinds of failure out of the JUnit report: a test file that throws
// while loading, and an error thrown outside any test. Only its exit status shows them.
import { existsSync, readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";

interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
}

type XmlNode = Record<string, unknown>;

function asNodes(value: unknown): XmlNode[] {
  if (Array.isArray(value)) {
    return value.filter((item): item is XmlNode => typeof item === "object" && item !== null);
  }
  if (typeof value === "object" && value !== null) {
    return [value as XmlNode];
  }
  // A self-closing element such as <testcase ... /> without attributes parses to "".
  if (value === "") {
    return [{}];
  }
  return [];
}

// Adds the test cases of a <testsuite> and of the suites nested in it. Bun writes one
// suite for each file and a nested suite for each describe() block.
function countTestSuite(suite: XmlNode, counts: TestCounts): void {
  for (const testCase of asNodes(suite["testcase"])) {
    if ("failure" in testCase || "error" in testCase) {
      counts.failed += 1;
    } else if ("skipped" in testCase) {
      // Bun reports test.skip() and test.todo() alike as <skipped>.
      counts.skipped += 1;
    } else {
      counts.passed += 1;
    }
  }
  for (const nested of asNodes(suite["testsuite"])) {
    countTestSuite(nested, counts);
  }
}

function countJunitReport(xml: string): TestCounts {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_" });
  const document = parser.parse(xml) as XmlNode;
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const root of asNodes(document["testsuites"])) {
    for (const suite of asNodes(root["testsuite"])) {
      countTestSuite(suite, counts);
    }
  }
  return counts;
}

function main(): number {
  const [junitPath, runnerStatusText] = process.argv.slice(2);
  if (junitPath === undefined || runnerStatusText === undefined) {
    console.error("usage: bun scripts/test-summary.ts <junit.xml> <bun test exit status>");
    return 2;
  }
  const runnerStatus = Number(runnerStatusText);
  if (!Number.isInteger(runnerStatus)) {
    console.error(`invalid bun test exit status ${JSON.stringify(runnerStatusText)}: it must be an integer`);
    return 2;
  }

  let counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(junitPath)) {
    counts = countJunitReport(readFileSync(junitPath, "utf8"));
  } else if (runnerStatus !== 0) {
    // The counts are unknown, so no summary line is printed.
    console.error(
      `JUnit report ${junitPath} not found: bun test exited with status ${runnerStatus} before writing it. See its output above.`,
    );
    return 1;
  }
  // Otherwise bun test exited 0 without a report, which Bun 1.4 does when no test ran.

  const total = counts.passed + counts.failed + counts.skipped;
  if (total === 0) {
    console.error("no tests ran: check the test paths and that each test file calls test().");
  }
  if (runnerStatus !== 0 && counts.failed === 0) {
    console.error(
      `bun test exited with status ${runnerStatus}, but the JUnit report lists no failed test. ` +
        "Look above for an error outside a test or a test file that failed to load.",
    );
  }

  console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);

  return counts.failed > 0 || runnerStatus !== 0 || total === 0 ? 1 : 0;
}

process.exit(main());
