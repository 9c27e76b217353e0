// The pure OKR domain: no storage, no runtime imports.
export * from './types';
export * from './progress';
export * from './pace';
export * from './status';
export * from './scoring';
export * from './rollup';
export * from './tree';
export * from './stats';
export * from './stored';
