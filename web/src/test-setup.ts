import { configure } from '@testing-library/react';

// findBy* and waitFor give up after 1 s by default; on CI's two shared
// cores a table of antd components can take longer than that to render
// (the wallboard's AgentList tests failed so under load), so they wait up to
// 10 s. A test still fails at once on a wrong value it can read.
configure({ asyncUtilTimeout: 10_000 });

// jsdom lacks matchMedia, which antd's responsive parts read.
if (!window.matchMedia) {
  window.matchMedia = (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as MediaQueryList;
}
