export * from './frame.ts';
export * from './escape.ts';
export * from './parser.ts';
export * from './serializer.ts';
