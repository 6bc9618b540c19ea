//! Store contract tests that hold on both backends.

use concentric_core::authz::Actor;
use concentric_core::page::PageRequest;
use concentric_core::person::{NewPerson, PersonQuery};
use concentric_core::team::TeamQuery;

use crate::both;

both!(demo_loads_once, |t| {
    let org = concentric_core::demo::organisation();
    assert!(t.store.load_demo(&org, &[]).await.unwrap());
    assert!(!t.store.load_demo(&org, &[]).await.unwrap(), "second load changes nothing");
    let people = t.store.list_people(&PersonQuery::default(), PageRequest::first(1)).await.unwrap();
    let teams = t.store.list_teams(&TeamQuery::default(), PageRequest::first(1)).await.unwrap();
    assert_eq!((people.total as usize, teams.total as usize), (org.people.len(), org.teams.len()));
    let pay = t.store.team_by_key("PAY").await.unwrap();
    assert_eq!(pay.parent_key.as_deref(), Some("FIN"));
    assert!(t.store.team_members(pay.id).await.unwrap().len() >= 3);
    assert!(t.store.admin_exists().await.unwrap());
});

both!(writes_check_permission_in_the_store, |t| {
    let nobody = Actor { person_id: None, is_admin: false, teams: vec![] };
    let err = t.store.create_person(&nobody, NewPerson::test("x@example.com")).await.unwrap_err();
    assert!(matches!(err, concentric_store::StoreError::Forbidden(_)), "{err:?}");
    let system = Actor::system();
    let p = t.store.create_person(&system, NewPerson::test("x@example.com")).await.unwrap();
    assert!(t.store.set_person_active(&nobody, p.id, false).await.is_err());
    assert!(t.store.person(p.id).await.unwrap().active);
});

both!(unicode_and_case_survive_both_backends, |t| {
    let system = Actor::system();
    let new = NewPerson { name: "Zoë Ünal-Ñúñez 李".into(), ..NewPerson::test("ZOE@Example.com") };
    let p = t.store.create_person(&system, new).await.unwrap();
    assert_eq!(p.email, "zoe@example.com");
    assert_eq!(p.name, "Zoë Ünal-Ñúñez 李");
    let found = t
        .store
        .list_people(&PersonQuery { q: Some("zoë".into()), ..Default::default() }, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(found.total, 1);
});
