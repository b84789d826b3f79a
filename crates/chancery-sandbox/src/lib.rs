//! chancery-sandbox: a local server speaking X API v2 and the Graph API (in progress).
