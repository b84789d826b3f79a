//! Every endpoint the sandbox serves, named once: faults, rate limits, stats and the request log
//! all use these names.

use axum::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Endpoint {
    XUsersMe,
    XUserByUsername,
    XUserById,
    XMentions,
    XUserTweets,
    XTweetLookup,
    XCreateTweet,
    XDeleteTweet,
    XMediaUpload,
    XMediaInitialize,
    XMediaAppend,
    XMediaFinalize,
    XMediaStatus,
    XOAuthAuthorize,
    XOAuthToken,
    XOAuthRevoke,
    GraphMeAccounts,
    GraphMe,
    GraphNode,
    GraphFeed,
    GraphPosts,
    GraphTagged,
    GraphConversations,
    GraphMessages,
    GraphComments,
    GraphCreatePost,
    GraphCreatePhoto,
    GraphCreateComment,
    GraphUpdateComment,
    GraphDelete,
    GraphAccessToken,
    GraphDialog,
    Avatar,
    Admin,
    Unknown,
}

impl Endpoint {
    pub(crate) const ALL: &'static [Endpoint] = &[
        Endpoint::XUsersMe,
        Endpoint::XUserByUsername,
        Endpoint::XUserById,
        Endpoint::XMentions,
        Endpoint::XUserTweets,
        Endpoint::XTweetLookup,
        Endpoint::XCreateTweet,
        Endpoint::XDeleteTweet,
        Endpoint::XMediaUpload,
        Endpoint::XMediaInitialize,
        Endpoint::XMediaAppend,
        Endpoint::XMediaFinalize,
        Endpoint::XMediaStatus,
        Endpoint::XOAuthAuthorize,
        Endpoint::XOAuthToken,
        Endpoint::XOAuthRevoke,
        Endpoint::GraphMeAccounts,
        Endpoint::GraphMe,
        Endpoint::GraphNode,
        Endpoint::GraphFeed,
        Endpoint::GraphPosts,
        Endpoint::GraphTagged,
        Endpoint::GraphConversations,
        Endpoint::GraphMessages,
        Endpoint::GraphComments,
        Endpoint::GraphCreatePost,
        Endpoint::GraphCreatePhoto,
        Endpoint::GraphCreateComment,
        Endpoint::GraphUpdateComment,
        Endpoint::GraphDelete,
        Endpoint::GraphAccessToken,
        Endpoint::GraphDialog,
        Endpoint::Avatar,
        Endpoint::Admin,
        Endpoint::Unknown,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Endpoint::XUsersMe => "x.users_me",
            Endpoint::XUserByUsername => "x.user_by_username",
            Endpoint::XUserById => "x.user_by_id",
            Endpoint::XMentions => "x.mentions",
            Endpoint::XUserTweets => "x.user_tweets",
            Endpoint::XTweetLookup => "x.tweet_lookup",
            Endpoint::XCreateTweet => "x.create_tweet",
            Endpoint::XDeleteTweet => "x.delete_tweet",
            Endpoint::XMediaUpload => "x.media_upload",
            Endpoint::XMediaInitialize => "x.media_initialize",
            Endpoint::XMediaAppend => "x.media_append",
            Endpoint::XMediaFinalize => "x.media_finalize",
            Endpoint::XMediaStatus => "x.media_status",
            Endpoint::XOAuthAuthorize => "x.oauth_authorize",
            Endpoint::XOAuthToken => "x.oauth_token",
            Endpoint::XOAuthRevoke => "x.oauth_revoke",
            Endpoint::GraphMeAccounts => "graph.me_accounts",
            Endpoint::GraphMe => "graph.me",
            Endpoint::GraphNode => "graph.node",
            Endpoint::GraphFeed => "graph.feed",
            Endpoint::GraphPosts => "graph.posts",
            Endpoint::GraphTagged => "graph.tagged",
            Endpoint::GraphConversations => "graph.conversations",
            Endpoint::GraphMessages => "graph.messages",
            Endpoint::GraphComments => "graph.comments",
            Endpoint::GraphCreatePost => "graph.create_post",
            Endpoint::GraphCreatePhoto => "graph.create_photo",
            Endpoint::GraphCreateComment => "graph.create_comment",
            Endpoint::GraphUpdateComment => "graph.update_comment",
            Endpoint::GraphDelete => "graph.delete",
            Endpoint::GraphAccessToken => "graph.access_token",
            Endpoint::GraphDialog => "graph.login_dialog",
            Endpoint::Avatar => "sandbox.avatar",
            Endpoint::Admin => "sandbox.admin",
            Endpoint::Unknown => "unknown",
        }
    }

    pub(crate) fn is_x(self) -> bool {
        self.name().starts_with("x.")
    }

    pub(crate) fn is_graph(self) -> bool {
        self.name().starts_with("graph.")
    }

    /// Which endpoint a request is for, from its method and path alone.
    pub(crate) fn classify(method: &Method, path: &str) -> Endpoint {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        if path.starts_with("/__sandbox/avatars/") {
            return Endpoint::Avatar;
        }
        if path.starts_with("/__sandbox") {
            return Endpoint::Admin;
        }
        if path == "/i/oauth2/authorize" {
            return Endpoint::XOAuthAuthorize;
        }
        let get = method == Method::GET;
        let post = method == Method::POST;
        if segs.first() == Some(&"2") {
            return match (segs.len(), segs.get(1).copied(), segs.get(2).copied()) {
                (3, Some("users"), Some("me")) if get => Endpoint::XUsersMe,
                (5, Some("users"), Some("by")) if get && segs[3] == "username" => {
                    Endpoint::XUserByUsername
                }
                (3, Some("users"), Some(_)) if get => Endpoint::XUserById,
                (4, Some("users"), Some(_)) if get && segs[3] == "mentions" => Endpoint::XMentions,
                (4, Some("users"), Some(_)) if get && segs[3] == "tweets" => Endpoint::XUserTweets,
                (2, Some("tweets"), None) if post => Endpoint::XCreateTweet,
                (3, Some("tweets"), Some(_)) if get => Endpoint::XTweetLookup,
                (3, Some("tweets"), Some(_)) if method == Method::DELETE => Endpoint::XDeleteTweet,
                (3, Some("media"), Some("upload")) if post => Endpoint::XMediaUpload,
                (3, Some("media"), Some("upload")) if get => Endpoint::XMediaStatus,
                (4, Some("media"), Some("upload")) if post && segs[3] == "initialize" => {
                    Endpoint::XMediaInitialize
                }
                (5, Some("media"), Some("upload")) if post && segs[4] == "append" => {
                    Endpoint::XMediaAppend
                }
                (5, Some("media"), Some("upload")) if post && segs[4] == "finalize" => {
                    Endpoint::XMediaFinalize
                }
                (3, Some("oauth2"), Some("token")) if post => Endpoint::XOAuthToken,
                (3, Some("oauth2"), Some("revoke")) if post => Endpoint::XOAuthRevoke,
                _ => Endpoint::Unknown,
            };
        }
        // Graph: optional version prefix.
        let rest: &[&str] = match segs.first() {
            Some(v) if is_graph_version(v) => &segs[1..],
            _ => &segs[..],
        };
        match rest {
            ["dialog", "oauth"] => Endpoint::GraphDialog,
            ["oauth", "access_token"] => Endpoint::GraphAccessToken,
            ["me", "accounts"] if get => Endpoint::GraphMeAccounts,
            ["me"] if get => Endpoint::GraphMe,
            [_, "accounts"] if get => Endpoint::GraphMeAccounts,
            [_, "feed"] if get => Endpoint::GraphFeed,
            [_, "feed"] if post => Endpoint::GraphCreatePost,
            [_, "posts"] if get => Endpoint::GraphPosts,
            [_, "tagged"] if get => Endpoint::GraphTagged,
            [_, "photos"] if post => Endpoint::GraphCreatePhoto,
            [_, "conversations"] if get => Endpoint::GraphConversations,
            [_, "messages"] if get => Endpoint::GraphMessages,
            [_, "comments"] if get => Endpoint::GraphComments,
            [_, "comments"] if post => Endpoint::GraphCreateComment,
            [id] if get && !id.is_empty() => Endpoint::GraphNode,
            [id] if post && !id.is_empty() => Endpoint::GraphUpdateComment,
            [id] if method == Method::DELETE && !id.is_empty() => Endpoint::GraphDelete,
            _ => Endpoint::Unknown,
        }
    }
}

/// `v24.0`, `v25.0`, ...
pub(crate) fn is_graph_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    matches!((parts.next(), parts.next(), parts.next()), (Some(a), Some(b), None)
        if !a.is_empty() && !b.is_empty() && a.bytes().all(|c| c.is_ascii_digit()) && b.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        let g = Method::GET;
        assert_eq!(
            Endpoint::classify(&g, "/2/users/123/mentions"),
            Endpoint::XMentions
        );
        assert_eq!(Endpoint::classify(&g, "/2/users/me"), Endpoint::XUsersMe);
        assert_eq!(
            Endpoint::classify(&g, "/2/users/by/username/abc"),
            Endpoint::XUserByUsername
        );
        assert_eq!(
            Endpoint::classify(&Method::POST, "/2/tweets"),
            Endpoint::XCreateTweet
        );
        assert_eq!(
            Endpoint::classify(&Method::POST, "/2/media/upload/55/append"),
            Endpoint::XMediaAppend
        );
        assert_eq!(
            Endpoint::classify(&g, "/v24.0/me/accounts"),
            Endpoint::GraphMeAccounts
        );
        assert_eq!(
            Endpoint::classify(&g, "/me/accounts"),
            Endpoint::GraphMeAccounts
        );
        assert_eq!(
            Endpoint::classify(&g, "/v24.0/123/feed"),
            Endpoint::GraphFeed
        );
        assert_eq!(
            Endpoint::classify(&Method::POST, "/v24.0/123_4/comments"),
            Endpoint::GraphCreateComment
        );
        assert_eq!(Endpoint::classify(&g, "/v24.0/123_4"), Endpoint::GraphNode);
        assert_eq!(
            Endpoint::classify(&Method::DELETE, "/123_4"),
            Endpoint::GraphDelete
        );
        assert!(is_graph_version("v24.0"));
        assert!(!is_graph_version("v24"));
    }
}
