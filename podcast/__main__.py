from podcast.launch import main

main()
