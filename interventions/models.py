"""Sessions, safety/support plans and referrals logged by the transition worker (DOMAIN.md
"Interventions the transition worker logs"). Models land with the interventions issue."""
