export declare const CHROMIUM: string;
export declare const QUIET_FLAGS: string[];
export declare const WEBGPU_FLAG: string;
