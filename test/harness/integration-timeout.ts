// Integration tests wait on a real broker and Redis: a per-test limit of 3 minutes. (A
// `testTimeout` inside a jest project entry is not applied; this setup file is.)
jest.setTimeout(180_000);
