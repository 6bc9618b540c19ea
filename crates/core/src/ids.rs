//! Typed ids, so a team id can never be passed where a person id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An employee.
    PersonId
);
id_type!(
    /// A department or work group.
    TeamId
);
id_type!(
    /// A personal API token.
    TokenId
);
id_type!(
    /// A catalog entry of a team.
    ServiceId
);
id_type!(
    /// One ask of a service.
    RequestId
);
id_type!(
    /// A reply or internal note on a request.
    CommentId
);
id_type!(
    /// A partnership review between two teams.
    ReviewId
);
id_type!(
    /// An action item agreed at a review.
    ActionId
);
id_type!(
    /// One round of a relationship's survey.
    RoundId
);
id_type!(
    /// A team's news post.
    PostId
);
id_type!(
    /// An open meeting a team holds for other teams.
    MeetingId
);
id_type!(
    /// A thank-you to a team or a person.
    ThanksId
);
id_type!(
    /// An ambassador's time with another team.
    PlacementId
);
